# The help center.
help-title = Help
help-intro = Short guides to using this portal. You do not need to sign in to read them.
help-search-label = Search the help
help-search-hint = Type a few words, like "forgot password".
help-search-button = Search
help-found = What we found
help-nothing-found = We found nothing for those words. Try other words, or pick a guide below.
help-all = All help guides
help-still = Still need help?
help-this-page = Help with this page
text-size-large = Larger text
text-size-normal = Normal text size
