# Las páginas del paciente en español. Las claves son las mismas que en en/portal.ftl; una
# prueba comprueba que ambos archivos tengan las mismas claves.

## Todas las páginas
skip-to-main = Ir al contenido principal
patient-portal = Portal del paciente
footer-portal = Portal del paciente Porchlight. ¿Preguntas?
footer-call = Llame al
footer-front-desk = Pregunte en la recepción.
sign-in = Iniciar sesión
sign-out = Cerrar sesión
continue = Continuar
go-to-start = Ir a la página de inicio

## Páginas
landing-title = Le damos la bienvenida
landing-heading = Su historia clínica, en un solo lugar seguro
landing-lead = Este es el portal del paciente de { $practice }. Le permite ver su información de salud desde su casa, en el teléfono o la computadora, a cualquier hora.
landing-have-code = Tengo un código de activación
landing-what = Para qué sirve el portal
landing-what-1 = Ver sus resultados de análisis, medicamentos, alergias y vacunas.
landing-what-2 = Saber cuándo es su próxima cita.
landing-what-3 = Comunicarse con su equipo de atención sin esperar al teléfono.
landing-privacy = Solo usted, y las personas que usted elija, pueden ver su información. Guardamos un registro de todas las personas que la abren.
landing-how = Cómo inscribirse
landing-step-1-strong = Pregunte en su próxima cita.
landing-step-1 = En la recepción confirmarán su correo electrónico.
landing-step-2-strong = Busque nuestro correo electrónico
landing-step-2 = , o llévese la carta impresa con su código de activación si no usa correo electrónico.
landing-step-3-strong = Siga los pasos.
landing-step-3 = Escribirá su nombre y fecha de nacimiento, y luego elegirá un nombre de usuario y una contraseña. Toma unos 5 minutos.
landing-no-invitation = ¿Ya es paciente, pero no tiene invitación?
self-sign-up-link = Inscribirse sin invitación
landing-age = Debe tener 18 años o más. Un padre, una madre o un cuidador puede pedir acceso para otra persona en el consultorio.
need-help = ¿Necesita ayuda?
help-call-us = Llámenos al
help-walk-through = Con gusto le ayudamos paso a paso.
help-front-desk = Pregunte en la recepción en su próxima cita.
bot-trap-label = Deje esto vacío
activate-title = Inscríbase con su código de activación
activate-intro = Su código de activación está en la carta que le dio el consultorio. Se parece a
activate-code-label = Código de activación
activate-no-letter = ¿No tiene carta? Pregunte en la recepción en su próxima cita
or-call = , o llame al
activate-self = si ya es paciente.
activate-self-link = Inscribirse sin carta
step-of = Paso { $step } de { $total }
identity-title = Díganos quién es usted
identity-intro = Escriba su nombre legal y su fecha de nacimiento tal como los tiene el consultorio, para que podamos estar seguros de que esta historia clínica es suya.
legal-first-name = Nombre legal
legal-last-name = Apellido legal
birth-date = Fecha de nacimiento
birth-hint = Por ejemplo: 4 9 1961 para el 9 de abril de 1961 (mes, día, año)
month = Mes
day = Día
year = Año
mrn-label = Número de historia clínica (MRN)
mrn-hint = Está en el resumen de su visita o en su carta.
access-code-title = Su código de acceso
credentials-title = Elija un nombre de usuario y una contraseña
credentials-intro = Los usará para iniciar sesión. Anótelos en un lugar seguro si eso le ayuda.
username = Nombre de usuario
username-hint = Letras, números, puntos (.), guiones (-) y guiones bajos (_), sin espacios. Por ejemplo: { $example }
free-usernames = Nombres de usuario libres:
password = Contraseña
password-hint = Al menos { $count } caracteres. Una frase corta que pueda recordar funciona bien, como tres o cuatro palabras sin relación entre sí. Puede usar espacios.
password-stronger = Para hacerla más segura:
password-again = Escriba la contraseña otra vez
your-username-is = Su nombre de usuario es
terms-title = Las condiciones y su privacidad
terms-intro = Lea la versión corta de cada uno. El texto completo está debajo de cada resumen.
terms-tick-both = Para terminar, marque las dos casillas.
terms-changed-meanwhile = Se publicó una versión nueva mientras usted leía. Léala abajo y vuelva a marcar las dos casillas.
terms-of-use = Condiciones de uso
privacy-policy = Política de privacidad
version = versión { $number }
terms-language-note = Este documento solo existe en inglés.
read-full-terms = Leer las condiciones de uso completas
read-full-privacy = Leer la política de privacidad completa
accept-terms = He leído y acepto las condiciones de uso
accept-terms-error = Marque esta casilla para aceptar las condiciones de uso.
accept-privacy = He leído y acepto la política de privacidad
accept-privacy-error = Marque esta casilla para aceptar la política de privacidad.
finish = Terminar
problem-call = Llámenos al
problem-happy = Con gusto le ayudamos.
not-found-title = Página no encontrada
not-found-heading = No encontramos esa página
not-found-text = Puede que la dirección esté mal escrita, o que la página se haya movido.
link-title = Inscríbase en el portal del paciente
link-intro = Usted siguió el enlace de nuestro correo electrónico. Presione el botón para empezar: toma unos 5 minutos.
link-start = Empezar la inscripción
self-title = Inscribirse sin invitación
self-intro = Si usted es paciente de { $practice }, puede inscribirse aquí. Escriba sus datos tal como los tiene el consultorio, para que podamos estar seguros de que la historia clínica es suya.
self-mrn-hint = Está en el resumen de su visita.
ssn-last4-label = Los últimos 4 dígitos de su número de Seguro Social
ssn-last4-hint = Solo los usamos para comprobar que la historia clínica es suya.
self-have-letter = ¿Tiene una carta con un código de activación?
self-use-code = Use su código
self-which = ¿De qué consultorio es usted paciente?
self-off-title = Para inscribirse necesita una invitación
self-off-intro = Este consultorio no ofrece la inscripción sin invitación. Para conseguir una:
self-off-1-strong = Pregunte en la recepción
self-off-1 = en su próxima cita
self-off-2 = con un enlace, o llévese la carta impresa con su código de activación.
self-off-3-strong = Siga los pasos
self-off-3 = del correo electrónico, o escriba el código en la
self-off-3-link = página de activación
welcome-heading = Le damos la bienvenida a su portal del paciente
welcome-lead = Su cuenta está lista y usted ya inició sesión.
welcome-phone = Ponga el portal en su teléfono
welcome-phone-1 = En su teléfono, abra la cámara y apúntela a este código, o escriba
welcome-phone-2-a = En el menú del navegador, elija
welcome-phone-2-android = Agregar a la pantalla principal
welcome-phone-2-or = (Android) o
welcome-phone-2-iphone = Compartir, y luego Agregar a inicio
welcome-phone-3 = Abra el portal desde su ícono, como cualquier aplicación.
welcome-qr-alt = Código QR que abre { $url }
what-next = Qué sigue
welcome-next = Sus historias, mensajes y citas aparecerán aquí a medida que el consultorio los agregue al portal. Si algo parece incorrecto, llame al
welcome-next-no-phone = consultorio
home = Inicio
your-account = Su cuenta
sign-in-heading = Inicie sesión en su portal del paciente
your-practice = Su consultorio
sign-in-username-hint = El nombre de usuario que eligió al inscribirse.
trouble-heading = ¿Problemas para iniciar sesión?
trouble-forgot = O llámenos al
trouble-back-in = Le ayudaremos a entrar de nuevo.
trouble-not-signed-up = ¿Todavía no se ha inscrito?
trouble-use-code = Use el código de activación de su carta
trouble-or-email = , o siga el enlace de nuestro correo electrónico.
hello = Hola, { $name }
signed-in-as = Usted inició sesión como
previous-sign-in = Su inicio de sesión anterior fue el { $when }. Si no fue usted, llame al consultorio.
first-sign-in = Este es su primer inicio de sesión. ¡Le damos la bienvenida!
home-next = Sus historias, mensajes y citas aparecerán aquí a medida que el consultorio los agregue al portal.
home-add-to-phone = Ponga el portal en la pantalla principal de su teléfono
home-help = Cuando termine, presione { $sign_out } arriba, sobre todo en una computadora compartida.
call = Llame al
terms-update-title = Condiciones actualizadas
terms-update-heading = Actualizamos nuestras condiciones
terms-update-lead = Lea qué cambió y luego acepte para continuar.
terms-update-tick = Para continuar, marque la casilla de abajo.
what-changed = Qué cambió
terms-update-version = { $document }, versión { $number }:
new = nueva
accept-both = He leído y acepto las condiciones de uso y la política de privacidad
accept-both-error = Marque esta casilla para aceptar y continuar.
accept-continue = Aceptar y continuar
terms-update-questions = ¿Preguntas antes de aceptar? Llame al
terms-update-closed = El portal sigue cerrado hasta que usted acepte.

## Mensajes
activate-not-found = No encontramos ninguna invitación con ese código. Revise el código de su carta e inténtelo de nuevo.
activate-throttled = Demasiados intentos desde este dispositivo. Espere 15 minutos e inténtelo de nuevo, o llámenos.
link-broken-heading = Este enlace no funciona
link-broken = Puede que el enlace esté incompleto: algunos programas de correo cortan los enlaces largos. Copie el enlace completo del correo, o llámenos para pedir una invitación nueva.
ended-expired-heading = Esta invitación venció
ended-expired = Las invitaciones sirven por un tiempo limitado, para proteger su historia clínica. Llámenos y le enviaremos una nueva.
ended-used-heading = Esta invitación ya se usó
ended-used = Ya se creó una cuenta con ella. Si no puede iniciar sesión, llámenos y le ayudaremos.
ended-revoked-heading = Esta invitación fue cancelada
ended-revoked = El consultorio la canceló, quizás porque envió una más nueva. Busque un correo o una carta más reciente, o llámenos.
ended-locked-heading = Esta invitación está bloqueada
ended-locked = Se bloqueó después de demasiados intentos que no coincidieron con nuestros registros. Llámenos y le ayudaremos a terminar.
mismatch = Los datos no coinciden con nuestros registros. Llame al { $phone }. { $count ->
    [one] Puede intentarlo 1 vez más
   *[other] Puede intentarlo { $count } veces más
 }.
the-practice = consultorio
error-first-name-empty = Nombre: escríbalo, por favor.
error-first-name-letters = Nombre: debe tener letras.
error-first-name-long = Nombre: puede tener como máximo 200 caracteres.
error-last-name-empty = Apellido: escríbalo, por favor.
error-last-name-letters = Apellido: debe tener letras.
error-last-name-long = Apellido: puede tener como máximo 200 caracteres.
error-birth-date = Escriba una fecha de nacimiento real, como 4 9 1961 (mes, día, año).
error-mrn-required = Escriba su número de historia clínica.
error-mrn = Revise el número de historia clínica: está en el resumen de su visita o en su carta.
error-ssn-last4 = Escriba los últimos cuatro dígitos de su número de Seguro Social, como 6789.
error-postal-code = El código postal debe tener 5 dígitos, o 9 escritos así: 12345-6789.
bot-too-soon = ¡Qué rápido! Para mantener fuera a los robots, pedimos a todos que se tomen unos segundos. Espere unos segundos y vuelva a presionar el botón.
bot-expired = Esta página estuvo abierta mucho tiempo, así que debemos comprobar otra vez que usted es una persona. Espere unos segundos y vuelva a presionar el botón.
bot-failed = No pudimos comprobar que este formulario lo envió una persona. Espere unos segundos y vuelva a presionar el botón.
bot-checking = Comprobando que usted es una persona…
bot-done = listo
access-ssn-label = Los últimos 4 dígitos de su número de Seguro Social
access-ssn-hint = Solo los usamos para comprobar que esta historia clínica es suya.
access-year-label = El año en que nació
access-year-hint = Cuatro dígitos, como 1961.
access-year-format = Escriba el año con cuatro dígitos, como 1961.
access-ssn-format = Escriba los últimos cuatro dígitos, como 6789.
wrong-credentials = El nombre de usuario y la contraseña no coinciden. Revíselos e inténtelo de nuevo.
sign-in-throttled = Demasiados intentos de iniciar sesión. Espere { $minutes ->
    [one] 1 minuto
   *[other] { $minutes } minutos
} e inténtelo de nuevo.
sign-in-throttled-forgot = Si olvidó su contraseña, puede cambiarla: vea “¿Olvidó su contraseña o su nombre de usuario?” más abajo.
username-taken = Ese nombre de usuario ya está en uso. Elija otro, o uno de estos.
pw-too-short = Use al menos { $min } caracteres. La suya tiene { $actual }.
pw-too-long = Use como máximo { $max } caracteres.
pw-common = Esta contraseña es demasiado común: aparece en las listas que los atacantes prueban primero. Elija otra.
pw-username = Su contraseña contiene su nombre de usuario. Quítelo.
pw-name = Su contraseña contiene su nombre. Quítelo: es una de las primeras cosas que alguien probaría.
pw-birth-date = Su contraseña contiene su fecha de nacimiento. Quítela: es una de las primeras cosas que alguien probaría.
pw-repetitive = Su contraseña está hecha de repeticiones o secuencias, como "aaaa" o "1234". Son fáciles de adivinar.
pw-mismatch = Las dos contraseñas no son iguales. Escriba la misma contraseña en las dos casillas.

## Contraseñas
username-too-short = Un nombre de usuario necesita al menos 3 caracteres.
username-too-long = Un nombre de usuario puede tener como máximo 64 caracteres.
username-invalid = Un nombre de usuario solo puede tener letras, números, puntos (.), guiones (-) y guiones bajos (_).
advice-1 = Pruebe una frase corta que pueda recordar, como tres o cuatro palabras sin relación entre sí.
advice-2 = Esta es una de las contraseñas más comunes. Los atacantes las prueban primero.
advice-3 = No use su nombre, su nombre de usuario ni su fecha de nacimiento: son lo primero que alguien probaría.
advice-4 = Las teclas que están juntas en el teclado, como "qwerty", son fáciles de adivinar.
advice-5 = Las letras o números repetidos, como "aaa" o "111", son fáciles de adivinar.
advice-6 = Escribir lo mismo dos veces, como "abcabc", apenas es más difícil de adivinar que escribirlo una vez.
advice-7 = Se parece mucho a una contraseña común.
advice-8 = Las secuencias como "abc" o "6543" son fáciles de adivinar.
advice-9 = Los años recientes son fáciles de adivinar.
advice-10 = Una sola palabra es fácil de adivinar, aunque sea larga.
advice-11 = Las fechas son fáciles de adivinar.
advice-12 = Los nombres son fáciles de adivinar.
advice-13 = No necesita símbolos, números ni mayúsculas.
advice-14 = Agregue una o dos palabras más. Las palabras poco comunes son mejores.
advice-15 = Las mayúsculas no ayudan mucho.
advice-16 = Todo en mayúsculas es casi tan fácil de adivinar como todo en minúsculas.
advice-17 = Una palabra escrita al revés no es mucho más difícil de adivinar.
advice-18 = Cambiar letras por símbolos parecidos, como "@" por "a", no ayuda mucho.
advice-19 = Evite los patrones de teclas del teclado.
advice-20 = Evite repetir palabras o letras.
advice-21 = Evite secuencias como "abc" o "123".
advice-22 = Evite los años recientes.
advice-23 = Evite fechas y años que signifiquen algo para usted, como su cumpleaños.
bot-soon = el formulario se enviará en un momento.

## Forgot password or username, and the reset link
trouble-forgot-link = ¿Olvidó su contraseña o su nombre de usuario?
forgot-title = ¿Olvidó su contraseña o su nombre de usuario?
forgot-intro = Escriba su nombre de usuario, o el correo electrónico que tiene su consultorio. Le enviaremos por correo su nombre de usuario y un enlace para elegir una contraseña nueva.
forgot-key = Nombre de usuario o correo electrónico
forgot-submit = Envíenme un enlace
forgot-key-missing = Escriba su nombre de usuario o su correo electrónico.
forgot-throttled = Demasiadas solicitudes desde aquí. Espere { $minutes } minutos e inténtelo de nuevo.
forgot-no-email-heading = ¿No tiene correo electrónico, o no puede abrirlo?
forgot-no-email = Llámenos al
forgot-sent-title = Revise su correo electrónico
forgot-sent = Si una cuenta coincide con lo que escribió, enviamos un correo a la dirección que tenemos registrada, con su nombre de usuario y un enlace para elegir una contraseña nueva. El enlace funciona una sola vez, durante { $minutes } minutos.
forgot-sent-spam = ¿No llegó nada en unos minutos? Revise la carpeta de correo no deseado, o llámenos al
forgot-back-to-sign-in = Volver a iniciar sesión
forgot-practice-sends-no-email = Este consultorio no envía correos electrónicos desde el portal, así que no podemos enviarle un enlace.
forgot-call-for-code = Llámenos al
forgot-code-given = Comprobaremos quién es usted y le daremos un código para cambiar la contraseña. Con él, verá su nombre de usuario y elegirá una contraseña nueva.
reset-title = Elija una contraseña nueva
reset-intro = Para su cuenta { $username }. Al guardarla, se cerrará la sesión en todos los teléfonos y computadoras conectados a su cuenta.
reset-new-password = Contraseña nueva
reset-submit = Guardar la contraseña nueva
reset-ended-title = Este enlace ya no funciona
reset-ended = Un enlace para cambiar la contraseña funciona una sola vez, durante { $minutes } minutos. Puede pedir uno nuevo.
reset-ended-again = Envíenme un enlace nuevo
reset-done-title = Su contraseña se cambió
reset-done = Inicie sesión con su contraseña nueva. Se cerró la sesión en todos los teléfonos y computadoras que estaban conectados a su cuenta.
not-me-title = ¿No fue usted quien inició sesión?
not-me-intro = Alguien inició sesión en su cuenta desde un teléfono o una computadora que no se había usado antes:
not-me-when = Cuándo
not-me-device = Dispositivo
not-me-unknown-device = Un navegador que no pudimos identificar
not-me-what-happens = Si no fue usted, bloquee su cuenta. Se cerrará la sesión en todos los teléfonos y computadoras, nadie podrá entrar, y le llamaremos para ayudarle a entrar de nuevo.
not-me-submit = Bloquear mi cuenta
not-me-if-you = Si fue usted, puede cerrar esta página: no tiene que hacer nada.
not-me-ended-title = Este enlace ya no funciona
not-me-ended = Ya se usó, o tiene más de una semana. Si cree que otra persona está usando su cuenta, llámenos.
not-me-call = Llámenos:
not-me-locked-title = Su cuenta está bloqueada
not-me-locked = Se cerró la sesión en todos los teléfonos y computadoras y nadie puede entrar. Nuestro personal ya lo sabe. Llámenos y le ayudaremos a entrar de nuevo con una contraseña nueva.
forgot-have-code = Tengo un código de la clínica para cambiar la contraseña
reset-code-title = Use un código de la clínica
reset-code-intro = Si la clínica le dio un código, escríbalo aquí. Después elegirá una contraseña nueva.
reset-code-label = Código
reset-code-hint = 10 letras y números, como ABCDE-23456.
reset-code-submit = Continuar
reset-code-shape = El código tiene 10 letras y números, como ABCDE-23456. Revise lo que escribió.
reset-code-wrong = Ese código no funciona. Puede estar mal escrito, ya usado o tener más de un día. Revíselo, o pida uno nuevo a la clínica.
reset-code-throttled = Demasiados códigos que no funcionaron. Espere { $minutes } minutos e inténtelo de nuevo, o llame a la clínica.
reset-code-none = ¿No tiene un código? Llámenos y le ayudaremos:
access-link = Quién ha visto mi expediente
access-title = Quién ha visto su expediente
access-intro = Cada vez que alguien de la clínica abrió o cambió su expediente en el portal, queda anotado. Esta es la lista, empezando por lo más reciente.
access-none = Nadie de la clínica ha abierto su expediente en el portal todavía.
access-when = Cuándo
access-who = Quién
access-what = Qué hizo
access-viewed = Abrió su expediente
access-invited = Le invitó al portal
access-invitation-cancelled = Canceló una invitación al portal
access-invitation-unlocked = Desbloqueó su invitación
access-contact-updated = Corrigió su correo electrónico
access-sign-up-reviewed = Revisó un registro cuyos datos no coincidían
access-reset-code = Le dio un código para cambiar su contraseña
access-other = Trabajó en su expediente
access-former-staff = Un antiguo miembro del personal
access-question = ¿Algo que no reconoce?
access-call = Llame a la clínica y pida hablar con el responsable de privacidad:
role-front-desk = Recepción
role-clinician = Personal clínico
role-administrator = Administración
role-security-officer = Seguridad
devices-link = Dónde tengo la sesión iniciada
devices-title = Dónde tiene la sesión iniciada
devices-intro = Cada teléfono o computadora con la sesión iniciada en su cuenta ahora mismo, empezando por el usado más recientemente.
devices-this-one = Este dispositivo
devices-last-used = Último uso:
devices-sign-out-others = Cerrar la sesión en todos los demás
devices-done = Listo. Se cerró la sesión en todos los demás teléfonos y computadoras.
devices-not-you = ¿Algo que no reconoce? Cierre la sesión en todos los demás y después
devices-change-password = cambie su contraseña.
access-locked-list = Vio su cuenta en la lista de cuentas bloqueadas

## 2-step sign-in
two-step-title = Escriba su código
two-step-app-intro = Abra su aplicación de autenticación y escriba el código de 6 dígitos que muestra para este portal.
two-step-email-intro = Le enviamos por correo electrónico un código de 6 dígitos, a la dirección que tiene el consultorio. Sirve durante { $minutes } minutos. Puede tardar un minuto en llegar.
two-step-code-label = Código
two-step-code-hint = 6 dígitos. ¿Perdió su teléfono? Escriba en su lugar uno de sus códigos de recuperación, como K7QM-3XRP.
two-step-submit = Entrar
two-step-wrong = Ese código no funciona. Revíselo e inténtelo de nuevo. Cada código sirve una sola vez.
two-step-ended = Demasiados códigos que no funcionaron, o se acabó el tiempo. Vuelva a iniciar sesión.
two-step-call = O llámenos para pedir ayuda.
two-step-resend = Enviar un código nuevo
two-step-resent = Le enviamos un código nuevo. El anterior ya no funciona.
two-step-resend-refused = Espere un poco antes de pedir otro código. Si no llega ninguno, llámenos.
two-step-help = ¿No tiene código? Llámenos y le ayudaremos:
recovery-title = Sus códigos de recuperación
recovery-intro = Si pierde su teléfono o no puede ver su correo, cada uno de estos códigos le permite entrar una vez. Imprímalos o anótelos y guárdelos en un lugar seguro. Solo los mostramos ahora.
recovery-continue = Ya los guardé. Continuar
account-link = Cuenta y seguridad
account-title = Cuenta y seguridad
account-two-step-heading = Inicio de sesión en 2 pasos
account-two-step-off = Desactivado: para entrar solo se pide su contraseña.
account-two-step-app = Activado: un código de su aplicación de autenticación.
account-two-step-email = Activado: un código enviado por correo electrónico.
account-two-step-why = Con el inicio de sesión en 2 pasos, quien conozca su contraseña no puede entrar: también necesitaría su teléfono o su correo.
account-two-step-set-up-app = Usar una aplicación de autenticación
account-two-step-set-up-email = Recibir códigos por correo electrónico
account-two-step-no-email = Los códigos por correo necesitan una dirección de correo en su expediente. Llámenos para agregarla.
account-two-step-codes-left = { $count ->
    [one] Le queda 1 código de recuperación.
   *[other] Le quedan { $count } códigos de recuperación.
}
account-two-step-new-codes = Crear códigos de recuperación nuevos
account-two-step-turn-off = Desactivar el inicio de sesión en 2 pasos
account-two-step-turned-off = El inicio de sesión en 2 pasos está desactivado. Para entrar solo se pide su contraseña.
account-more = Más
account-alerts-on = Cuando se usa su cuenta por primera vez en un teléfono o una computadora, le enviamos un correo electrónico.
account-alerts-off = No podemos avisarle por correo electrónico cuando se usa su cuenta en un teléfono o una computadora nuevos. Por eso, de vez en cuando, revise dónde tiene la sesión iniciada.
confirm-title = Confirme que es usted
confirm-intro = Antes de cambiar cómo inicia sesión, escriba otra vez su contraseña.
confirm-password = Contraseña
confirm-submit = Continuar
confirm-wrong = Esa contraseña no es correcta. Inténtelo de nuevo.
app-setup-title = Configure una aplicación de autenticación
app-setup-step1 = Instale en su teléfono una aplicación de autenticación, como Google Authenticator o Microsoft Authenticator.
app-setup-step2 = En la aplicación, agregue una cuenta y apunte la cámara del teléfono a este código.
app-setup-qr-alt = Código para escanear con su aplicación de autenticación
app-setup-typed = ¿No puede escanearlo? Escriba esta clave en la aplicación:
app-setup-step3 = Escriba abajo el código de 6 dígitos que muestra ahora la aplicación.
app-setup-code-hint = 6 dígitos, de la aplicación.
app-setup-submit = Activar el inicio de sesión en 2 pasos
app-setup-wrong = Ese código no coincide. Revise que la hora del teléfono sea correcta y escriba el código que muestra ahora la aplicación.
app-setup-cancel = Ahora no

## Passkeys
passkey-sign-in = Entrar con una llave de acceso
passkey-sign-in-working = Esperando su llave de acceso…
passkey-sign-in-failed = No funcionó. Inténtelo de nuevo o entre con su usuario y contraseña.
passkey-unavailable = Las llaves de acceso no están disponibles en este portal.
passkey-confirm-first = Primero escriba otra vez su contraseña.
passkey-try-again = Tardó demasiado o no funcionó. Inténtelo de nuevo.
passkey-refused = Esa llave de acceso no sirve aquí. Entre con su usuario y contraseña.
passkey-exists = Esta llave de acceso ya está guardada.
passkeys-heading = Llaves de acceso
passkeys-why = Una llave de acceso le permite entrar con el bloqueo de pantalla de su teléfono o computadora (huella, cara o PIN) en lugar de su contraseña. Nadie puede engañarle para que la entregue.
passkeys-none = Todavía no tiene llaves de acceso.
passkeys-added = Agregada:
passkeys-last-used = Último uso:
passkeys-remove = Quitar
passkeys-add = Agregar una llave de acceso
passkeys-working = Siga lo que le pide su teléfono o computadora…
passkeys-failed = No se agregó ninguna llave de acceso. Puede intentarlo de nuevo.
passkeys-done-added = Su llave de acceso está guardada. La próxima vez, elija "Entrar con una llave de acceso".
passkeys-done-removed = La llave de acceso se quitó. Ya no le permite entrar.

## Changing the password while signed in
password-change-title = Cambiar su contraseña
password-change-intro = Se cerrará la sesión en todos los demás teléfonos y computadoras conectados a su cuenta.
password-change-email = Le avisaremos por correo electrónico que la contraseña cambió.
password-change-done = Su contraseña cambió. Se cerró la sesión en todos los demás teléfonos y computadoras.

## Changing the email address
email-change-title = Cambiar su correo electrónico
email-change-current = La dirección que tenemos:
email-change-none = No tenemos una dirección de correo electrónico suya.
email-change-intro = Enviaremos un enlace a la nueva dirección. El cambio ocurre cuando usted lo abra. También avisaremos a su dirección anterior.
email-change-label = Nuevo correo electrónico
email-change-submit = Enviar el enlace
email-change-invalid = Escriba una dirección de correo como nombre@ejemplo.com.
email-change-same = Esa ya es su dirección de correo electrónico.
email-change-sent-title = Revise su nuevo correo
email-change-sent = Enviamos un enlace a { $email }. Ábralo en el plazo de un día para terminar el cambio. Hasta entonces seguiremos escribiendo a su dirección anterior.
email-change-confirm = ¿Usar { $email } como su correo electrónico para el portal y los mensajes del consultorio?
email-change-confirm-button = Sí, usar esta dirección
email-change-done-title = Su correo electrónico cambió
email-change-done = De ahora en adelante le escribiremos a { $email }.
email-change-ended-title = Este enlace ya no funciona
email-change-ended = Un enlace para cambiar el correo electrónico sirve una sola vez, durante un día. Inicie sesión y pida uno nuevo en "Cuenta y seguridad".
account-email-change = Cambiar su correo electrónico
email-change-call = Para cambiarla, llámenos:
passkey-too-many = Demasiados intentos desde esta red. Espere un rato o entre con su usuario y contraseña.
email-change-too-many = Usted pidió varios cambios hoy. Espere hasta mañana o llámenos.

## Sign-up, fewer screens and the password step (issue 11)
credentials-saved-notice = Su nombre de usuario y su contraseña están guardados.
free-usernames-tap = Toque uno para usarlo.
show-password = Mostrar contraseña
hide-password = Ocultar contraseña
username-space = Un nombre de usuario no puede tener espacios. Use un punto, como lucia.rivera.
welcome-go-home = Ir a su página de inicio
welcome-this-phone = Ponga el portal en este teléfono
welcome-this-phone-intro = Agréguelo a su pantalla principal. Así se abre como una aplicación.
welcome-android = Android (Chrome): toque el menú
welcome-then = , y luego
welcome-iphone = iPhone (Safari): toque
welcome-share = Compartir
welcome-add-home-iphone = Agregar a inicio
used-sign-in = Iniciar sesión
used-forgot = ¿Olvidó su contraseña?
signed-out = Se cerró su sesión.

## When our side fails: the database, a full disk (issue 12)
outage-title = Estamos teniendo problemas
outage-heading = Estamos teniendo problemas
outage-text = Por favor, inténtelo de nuevo en unos minutos.
outage-emergency = Si tiene una emergencia médica, llame al 911.
outage-try-again = Intentar de nuevo
## Text with characters nobody types (issue 12)
input-refused-title = No pudimos aceptar eso
input-control-character = Algo que escribió tiene un carácter que no podemos aceptar. Por favor, escríbalo de nuevo.
input-go-back = Regrese y escríbalo de nuevo

## Test results
results-link = Resultados de análisis
results-title = Sus resultados de análisis
results-intro = Análisis de laboratorio y medidas como el peso y la presión arterial, empezando por lo más reciente. Toque un análisis para ver qué significa y cómo cambió con el tiempo.
results-none = Todavía no tiene resultados de análisis en el portal.
results-no-more = No hay más resultados de análisis.
results-pages = Más resultados de análisis
results-newer = Resultados más recientes
results-older = Resultados anteriores
results-vital-signs = Signos vitales
results-other-tests = Análisis
results-unnamed = Un análisis
results-no-date = Fecha desconocida
results-no-value = Sin valor
results-back = Volver a todos los resultados
results-your-result = Su resultado
results-what-it-means = Qué significa
results-normal-range = Rango normal
results-range-none = No se indicó un rango normal
results-taken = Fecha
results-flag-normal = Normal
results-flag-high = Alto
results-flag-low = Bajo
results-flag-abnormal = No normal
results-flag-critical = Crítico: muy fuera del rango normal
results-flag-none = Sin marca
results-range-between = De { $low } a { $high }
results-range-below = Menos de { $high }
results-range-above = Más de { $low }
results-over-time = Con el tiempo
results-chart-title = Gráfica de sus resultados con el tiempo
results-chart-description = { $test }: { $count } resultados del { $first } al { $last }. El más bajo { $lowest }, el más alto { $highest }, el último { $latest }. La tabla de abajo muestra cada uno.
results-chart-band = La franja sombreada es el rango normal.
results-table-caption = Cada resultado, empezando por el más reciente
results-date = Fecha
results-value = Valor
results-question = ¿Preguntas sobre un resultado?
results-call = Su equipo de atención se lo puede explicar. Llame a la clínica:

## Medicines, allergies, health problems and vaccines (issue 14)
medicines-link = Medicamentos
medicines-title = Sus medicamentos
medicines-intro = Estos son los medicamentos que tiene en su expediente del consultorio. Si algo está mal, o falta un medicamento que usted toma, dígaselo al consultorio.
medicines-none = No hay medicamentos en su expediente.
medicines-now = Medicamentos que toma ahora
medicines-none-now = Su expediente no tiene medicamentos que tome ahora.
medicines-before = Medicamentos que tomó antes
medicines-how = Cómo tomarlo
medicines-prescriber = Lo recetó
medicines-started = Desde
medicines-unnamed = Un medicamento sin nombre en su expediente
medicines-as-needed = Tómelo solo cuando lo necesite.
medicines-ask-how = Pregunte en el consultorio cómo tomarlo.
medicines-times-per = Tómelo { $times ->
    [one] una vez
   *[other] { $times } veces
 } { $unit ->
    [hour] por hora
    [week] por semana
    [month] al mes
   *[day] al día
 }.
medicines-every = Tómelo cada { $count } { $unit ->
    [hour] horas
    [week] semanas
    [month] meses
   *[day] días
 }.
medicines-times-every = Tómelo { $times } veces cada { $count } { $unit ->
    [hour] horas
    [week] semanas
    [month] meses
   *[day] días
 }.
allergies-link = Alergias
allergies-title = Sus alergias
allergies-intro = Estas son las alergias que tiene en su expediente del consultorio. Dígaselas a cada médico, enfermera y farmacéutico. Si algo está mal o falta, dígaselo al consultorio.
allergies-none = No hay alergias conocidas en su expediente.
allergies-now = Alergias que tiene
allergies-before = Alergias que ya no tiene
allergies-unnamed = Una alergia sin nombre en su expediente
allergies-reaction = Qué le pasa
allergies-reaction-unknown = No está anotado
allergies-severity = Qué tan fuerte fue
allergies-severity-mild = Leve
allergies-severity-moderate = Moderada
allergies-severity-severe = Grave
allergies-risk = Riesgo de una reacción grave
allergies-risk-low = Bajo
allergies-risk-high = Alto: una reacción podría ser peligrosa
allergies-risk-unknown = No se sabe
allergies-recorded = Fecha en que se anotó
conditions-link = Problemas de salud
conditions-title = Sus problemas de salud
conditions-intro = Estos son los problemas de salud que tiene en su expediente del consultorio, ahora y en el pasado. Si algo está mal, dígaselo al consultorio.
conditions-none = No hay problemas de salud en su expediente.
conditions-now = Problemas de salud que tiene ahora
conditions-none-now = Su expediente no tiene problemas de salud que tenga ahora.
conditions-before = Problemas de salud que ya pasaron
conditions-unnamed = Un problema de salud sin nombre en su expediente
conditions-onset = Empezó
conditions-resolved = Terminó
conditions-date-unknown = No se sabe
vaccines-link = Vacunas
vaccines-title = Sus vacunas
vaccines-intro = Estas son las vacunas que tiene en su expediente del consultorio, de la más nueva a la más antigua. Si falta alguna, dígaselo al consultorio.
vaccines-none = No hay vacunas en su expediente.
vaccines-unnamed = Una vacuna sin nombre en su expediente
vaccines-vaccine = Vacuna
vaccines-given = Fecha en que se puso
results-ask = O envíe a su equipo de salud un mensaje sobre este resultado
