# Lo que miden los análisis comunes, en palabras sencillas, para la página de un resultado
# (issue 14, punto 2). Las claves son las de en/explanations.ftl.

explain-heading = Lo que mide este análisis
explain-ask = Pregunte a su equipo de atención qué significa su resultado para usted.

## Signos vitales y puntajes
explain-72514-3 = Es qué tan fuerte era su dolor, según usted. La escala va de 0, sin dolor, a 10, el peor dolor que se pueda imaginar. Ayuda a su equipo de atención a ver cómo cambia su dolor con el tiempo.
explain-8302-2 = Es su estatura. Su equipo de atención la usa junto con su peso para calcular su índice de masa corporal (IMC). En los niños, muestra cómo van creciendo.
explain-29463-7 = Es cuánto pesa su cuerpo. Los cambios de peso con el tiempo le dicen algo sobre su salud a su equipo de atención. El peso también sirve para calcular su índice de masa corporal (IMC) y la dosis de algunos medicamentos.
explain-39156-5 = El índice de masa corporal (IMC) es un número que se calcula con su estatura y su peso. Da una idea general de si su peso va con su estatura. No mide la grasa del cuerpo en sí.
explain-55284-4 = La presión arterial es la fuerza con la que la sangre empuja las paredes de los vasos sanguíneos. Tiene dos números, como 120/80. El número de arriba se toma cuando el corazón late, y el de abajo cuando descansa entre latidos.
explain-8480-6 = Es el número de arriba de su presión arterial. Es la fuerza de la sangre contra las paredes de los vasos sanguíneos cuando el corazón late.
explain-8462-4 = Es el número de abajo de su presión arterial. Es la fuerza de la sangre contra las paredes de los vasos sanguíneos cuando el corazón descansa entre latidos.
explain-8867-4 = Es cuántas veces late su corazón en un minuto. También se llama pulso. Cambia con la actividad, el estrés, la fiebre y algunos medicamentos.
explain-9279-1 = Es cuántas veces respira en un minuto. Se cuenta mientras usted está en reposo.
explain-8310-5 = Es la temperatura de su cuerpo. La fiebre es una temperatura más alta de lo normal. Muchas veces es señal de que el cuerpo está combatiendo una infección.
explain-8331-1 = Es la temperatura de su cuerpo, tomada en la boca. La fiebre es una temperatura más alta de lo normal. Muchas veces es señal de que el cuerpo está combatiendo una infección.
explain-59408-5 = Muestra cuánto oxígeno lleva su sangre, en porcentaje. Se mide con una pequeña pinza en el dedo.
explain-72166-2 = Indica si usted fuma tabaco ahora, si fumó antes o si nunca ha fumado. Fumar afecta el corazón, los pulmones y muchas otras partes del cuerpo.
explain-72106-8 = Es el puntaje de una serie corta de preguntas y tareas que revisan la memoria y el pensamiento. El puntaje más alto es 30.

## Azúcar en la sangre
explain-2339-0 = Este análisis mide el azúcar (glucosa) en la sangre. La glucosa es la principal fuente de energía del cuerpo. El nivel cambia después de comer.
explain-4548-4 = El análisis de A1c muestra su nivel promedio de azúcar en la sangre en los últimos 2 a 3 meses. Mide cuánta azúcar está pegada a sus glóbulos rojos. Se usa para detectar la diabetes y darle seguimiento.

## Riñones y sales del cuerpo
explain-6299-2 = Este análisis mide el nitrógeno ureico (BUN) en la sangre. La urea es un desecho que se forma cuando el cuerpo descompone las proteínas. Los riñones la eliminan, así que el análisis ayuda a ver qué tan bien funcionan.
explain-38483-4 = La creatinina es un desecho que producen los músculos. Los riñones la filtran de la sangre. Este análisis ayuda a ver qué tan bien funcionan sus riñones.
explain-33914-3 = La TFGe es un cálculo de qué tan bien sus riñones filtran la sangre. Se calcula con la creatinina en la sangre, su edad y su sexo. Un número más alto quiere decir que los riñones filtran más.
explain-14959-1 = Este análisis de orina busca pequeñas cantidades de una proteína llamada albúmina. Los riñones sanos mantienen la albúmina en la sangre, así que muy poca pasa a la orina. Se usa a menudo para revisar los riñones de las personas con diabetes.
explain-49765-1 = Este análisis mide el calcio en la sangre. El calcio mantiene los huesos fuertes. También ayuda a que funcionen los músculos, los nervios y el corazón.
explain-2947-0 = El sodio es una sal que el cuerpo necesita. Ayuda a controlar el agua del cuerpo y a que funcionen los nervios y los músculos. Este análisis mide cuánto hay en la sangre.
explain-6298-4 = El potasio es un mineral que ayuda a que funcionen los nervios y los músculos, también el corazón. Este análisis mide cuánto hay en la sangre. Los riñones ayudan a mantener el nivel estable.
explain-2069-3 = El cloruro es una sal que trabaja junto con el sodio y el potasio. Ayuda a mantener el equilibrio correcto de agua y ácido en el cuerpo. Este análisis mide cuánto hay en la sangre.
explain-20565-8 = Este análisis mide el dióxido de carbono en la sangre, sobre todo en forma de bicarbonato. Ayuda a ver si el cuerpo tiene el equilibrio correcto de ácido. Los pulmones y los riñones ayudan a mantenerlo estable.

## Colesterol y grasas
explain-2093-3 = El colesterol es un tipo de grasa en la sangre. El cuerpo necesita un poco, pero el exceso se puede acumular en los vasos sanguíneos. Este análisis mide todo el colesterol en la sangre.
explain-18262-6 = El LDL se suele llamar colesterol "malo". Con el tiempo, se puede acumular en las paredes de los vasos sanguíneos. Este análisis mide cuánto LDL hay en la sangre.
explain-2085-9 = El HDL se suele llamar colesterol "bueno". Ayuda a llevar el colesterol de más desde los vasos sanguíneos hasta el hígado. Este análisis mide cuánto HDL hay en la sangre.
explain-2571-8 = Los triglicéridos son el tipo de grasa más común en la sangre. El cuerpo guarda como triglicéridos la energía de más que viene de la comida. El nivel sube por un tiempo después de comer.

## Células de la sangre
explain-718-7 = La hemoglobina es la parte de los glóbulos rojos que lleva el oxígeno. Este análisis mide cuánta hay en la sangre. Se usa para detectar la anemia, que es tener muy pocos glóbulos rojos o muy poca hemoglobina.
explain-4544-3 = El hematocrito es la parte de la sangre formada por glóbulos rojos. Se da en porcentaje. Se usa junto con la hemoglobina para detectar la anemia.
explain-789-8 = Los glóbulos rojos llevan el oxígeno de los pulmones al resto del cuerpo. Este análisis cuenta cuántos hay en la sangre.
explain-6690-2 = Los glóbulos blancos ayudan al cuerpo a combatir los microbios. Este análisis cuenta cuántos hay en la sangre. El número puede cambiar con una infección, una inflamación o algunos medicamentos.
explain-777-3 = Las plaquetas son células muy pequeñas que ayudan a que la sangre coagule y a detener un sangrado. Este análisis cuenta cuántas hay en la sangre.
explain-787-2 = El VCM es el tamaño promedio de sus glóbulos rojos. Ayuda a su equipo de atención a saber más sobre sus glóbulos rojos, por ejemplo la causa de una anemia.
explain-785-6 = La HCM es cuánta hemoglobina hay en cada glóbulo rojo, en promedio. La hemoglobina es lo que lleva el oxígeno en la sangre. Es parte de un conteo sanguíneo.
explain-786-4 = La CHCM muestra qué tan llenos de hemoglobina están sus glóbulos rojos, en promedio. La hemoglobina es lo que lleva el oxígeno en la sangre. Es parte de un conteo sanguíneo.
explain-21000-5 = El ADE muestra cuánto varía el tamaño de sus glóbulos rojos entre uno y otro. Es parte de un conteo sanguíneo completo.
explain-32207-3 = Muestra cuánto varía el tamaño de sus plaquetas entre una y otra. Las plaquetas son células muy pequeñas que ayudan a que la sangre coagule.
explain-32623-1 = El VPM es el tamaño promedio de sus plaquetas. Las plaquetas son células muy pequeñas que ayudan a que la sangre coagule. Las plaquetas nuevas suelen ser más grandes que las viejas.

## Hígado y proteínas
explain-2885-2 = Este análisis mide todas las proteínas en la parte líquida de la sangre. Los dos tipos principales son la albúmina y las globulinas. Ayuda a revisar el hígado, los riñones y su nutrición.
explain-1751-7 = La albúmina es una proteína que produce el hígado. Mantiene el líquido dentro de los vasos sanguíneos y transporta cosas como hormonas y medicamentos. Este análisis mide cuánta hay en la sangre.
explain-10834-0 = Las globulinas son un grupo de proteínas de la sangre. Algunas ayudan a combatir infecciones. Este número se calcula con sus proteínas totales y su albúmina.
explain-1975-2 = La bilirrubina es un desecho amarillo que se forma cuando se descomponen los glóbulos rojos viejos. El hígado la elimina del cuerpo. Este análisis ayuda a ver qué tan bien funciona su hígado.
explain-6768-6 = La fosfatasa alcalina (FA) es una enzima que está sobre todo en el hígado y los huesos. Este análisis mide cuánta hay en la sangre. Ayuda a revisar el hígado y los huesos.
explain-1742-6 = La ALT es una enzima que está sobre todo en el hígado. Cuando las células del hígado se dañan, pasa más ALT a la sangre. Este análisis ayuda a revisar la salud de su hígado.
explain-1920-8 = La AST es una enzima que está en el hígado, el corazón y los músculos. Cuando esas células se dañan, pasa más AST a la sangre. Este análisis ayuda a revisar su hígado.

## Otros análisis
explain-3016-3 = La TSH es una hormona que le dice a la tiroides cuánta hormona tiroidea debe producir. La tiroides es una glándula en el cuello. Ayuda a controlar cómo el cuerpo usa la energía.
explain-2857-1 = El PSA es una proteína que produce la próstata, una glándula de los hombres. Este análisis mide cuánto hay en la sangre. El nivel puede subir por muchas razones, como una próstata grande, una infección o un cáncer.
explain-33762-6 = El NT-proBNP es una sustancia que el corazón libera cuando trabaja mucho o está estirado. Este análisis de sangre ayuda a detectar la insuficiencia cardíaca.
explain-19926-5 = Esta prueba de respiración compara el aire que puede soplar en un segundo con todo el aire que puede soplar. Ayuda a detectar problemas de los pulmones como el asma y la EPOC.
explain-10230-1 = La fracción de eyección es la parte de la sangre de la cavidad principal del corazón que sale con cada latido. Se da en porcentaje. Muestra qué tan bien bombea el corazón.
