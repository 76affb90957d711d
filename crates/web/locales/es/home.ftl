# La página de inicio, la marca "Nuevo" de los resultados y la opción de correo por
# resultados nuevos (issue 14). Las claves son las mismas que en en/home.ftl.

home-visits-heading = Próximas citas
home-visits-none = No tiene citas próximas.
home-visits-call = Para pedir una, llame al
home-visits-ask = Para pedir una, pregunte en la recepción.
home-visit-unnamed = Cita
home-visit-with = Con { $name }
home-results-heading = Resultados nuevos
home-new-results = { $count ->
    [one] Tiene 1 resultado nuevo
   *[other] Tiene { $count } resultados nuevos
}
home-results-none = No hay resultados nuevos.
home-new-mark = Nuevo
home-medicines-heading = Medicamentos
home-medicines-count = { $count ->
    [one] Toma 1 medicamento ahora.
   *[other] Toma { $count } medicamentos ahora.
}
home-medicines-none = No hay medicamentos en su lista ahora.
home-todo-heading = Cosas por hacer
home-todo-read-results = Léalos.
home-todo-two-step = Active el inicio de sesión en 2 pasos para proteger su cuenta.
home-todo-none = No tiene nada pendiente.
home-balance-heading = Sus facturas
home-balance-due = Su parte de las facturas registradas: { $amount }.
home-balance-questions = Puede que sus pagos aún no aparezcan aquí. Para saber cuánto debe todavía, o para pagar, llámenos.
home-balance-none = No tiene facturas registradas.
home-emails-heading = Correos que le enviamos
home-results-email-on = Activado: le enviamos un correo cuando tiene un resultado nuevo.
home-results-email-off = Desactivado: no le enviamos correos sobre resultados nuevos.
home-results-email-why = El correo nunca dice qué prueba es ni qué encontró. Solo le pide que inicie sesión.
home-results-email-no-address = No tenemos su correo electrónico. Llámenos para agregarlo.
home-results-email-turn-off = No enviarme correos sobre resultados nuevos
home-results-email-turn-on = Enviarme un correo cuando tenga un resultado nuevo
home-results-email-turned-on = Le enviaremos un correo cuando tenga un resultado nuevo.
home-results-email-turned-off = No le enviaremos correos sobre resultados nuevos.
home-messages-heading = Mensajes
home-messages-new = { $count ->
    [one] Tiene 1 mensaje nuevo.
   *[other] Tiene { $count } mensajes nuevos.
    }
home-messages-none = No tiene mensajes nuevos.
home-messages-write = Escriba a su equipo de salud
