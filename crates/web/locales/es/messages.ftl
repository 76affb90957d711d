# Mensajes seguros con el consultorio (issue 16).
messages-link = Mensajes
messages-title = Mensajes
messages-emergency = Si es una emergencia, llame al 911. No use los mensajes para atención urgente.
messages-write = Escribir un mensaje
messages-off = Su consultorio no recibe mensajes en el portal por ahora. Llámenos:
messages-your-conversations = Sus conversaciones
messages-none = Todavía no tiene mensajes.
messages-new = Nuevo
messages-to = Para
messages-last = Último mensaje
messages-state = Estado
messages-state-waiting = Esperando respuesta
messages-state-answered = Respondido
messages-state-closed = Cerrado
messages-new-title = Escribir un mensaje
messages-back = Volver a sus mensajes
messages-answer-time = Respondemos en { $days ->
    [one] 1 día hábil
   *[other] { $days } días hábiles
    }.
messages-errors = Corrija esto, por favor:
messages-about = Este mensaje es sobre:
messages-about-label = Sobre
messages-about-result = Un resultado
messages-who = ¿A quién quiere escribir?
messages-subject = Asunto
messages-body = Su mensaje
messages-files = Agregue fotos o archivos PDF (puede saltar este paso)
messages-files-hint = Hasta 3 archivos. Cada uno puede tener hasta { $limit }.
messages-send = Enviar
messages-in-conversation = Mensajes de esta conversación
messages-reply = Responder
messages-sent = Su mensaje fue enviado.
messages-replied = Su respuesta fue enviada.
messages-from-you = Usted
messages-from-auto = { $practice } (respuesta automática)
messages-read-at = Su equipo de salud lo leyó el { $when }
messages-not-read = Todavía no se leyó
messages-error-pool = Elija a quién escribir.
messages-error-body-empty = Escriba su mensaje, por favor.
messages-error-body-long = Su mensaje es muy largo. Use menos de 5.000 letras.
messages-error-subject-empty = Escriba un asunto, por favor.
messages-error-subject-long = El asunto es muy largo. Use menos de 120 letras.
messages-file-unnamed = Un archivo
messages-error-file-empty = { $name } está vacío.
messages-error-file-large = { $name } es muy grande. Cada archivo puede tener hasta { $limit }.
messages-error-file-type = No se puede enviar { $name }. Envíe fotos (PNG, JPEG, GIF, WebP) o archivos PDF.
messages-error-files-many = Puede enviar hasta 3 archivos con un mensaje.
messages-error-form = No pudimos leer lo que envió. Intente otra vez.
messages-auto-reply = Gracias. Recibimos su mensaje. Respondemos en { $days ->
    [one] 1 día hábil
   *[other] { $days } días hábiles
    }, a más tardar el { $due }. Si es una emergencia, llame al 911.
messages-refill-subject = Renovar: { $medicine }
