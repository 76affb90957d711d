# The help center.
help-title = Ayuda
help-intro = Guías cortas para usar este portal. No necesita iniciar sesión para leerlas.
help-search-label = Buscar en la ayuda
help-search-hint = Escriba unas palabras, como "olvidé mi contraseña".
help-search-button = Buscar
help-found = Lo que encontramos
help-nothing-found = No encontramos nada con esas palabras. Pruebe con otras, o elija una guía abajo.
help-all = Todas las guías de ayuda
help-still = ¿Todavía necesita ayuda?
help-this-page = Ayuda con esta página
text-size-large = Letra más grande
text-size-normal = Letra de tamaño normal
