# Secure messages with the practice (issue 16).
messages-link = Messages
messages-title = Messages
messages-emergency = If this is an emergency, call 911. Do not use messages for urgent care.
messages-write = Write a message
messages-off = Your practice does not take messages in the portal right now. Please call us:
messages-your-conversations = Your conversations
messages-none = You have no messages yet.
messages-new = New
messages-to = To
messages-last = Last message
messages-state = Status
messages-state-waiting = Waiting for an answer
messages-state-answered = Answered
messages-state-closed = Closed
messages-new-title = Write a message
messages-back = Back to your messages
messages-answer-time = We answer within { $days ->
    [one] 1 business day
   *[other] { $days } business days
    }.
messages-errors = Please fix these:
messages-about = This message is about:
messages-about-label = About
messages-about-result = A test result
messages-who = Who do you want to write to?
messages-subject = Subject
messages-body = Your message
messages-files = Add pictures or PDF files (you can skip this)
messages-files-hint = Up to 3 files. Each can be up to { $limit }.
messages-send = Send
messages-in-conversation = Messages in this conversation
messages-reply = Write back
messages-sent = Your message was sent.
messages-replied = Your answer was sent.
messages-from-you = You
messages-from-auto = { $practice } (automatic reply)
messages-read-at = Read by your care team on { $when }
messages-not-read = Not read yet
messages-error-pool = Choose who to write to.
messages-error-body-empty = Please write your message.
messages-error-body-long = Your message is too long. Keep it under 5,000 letters.
messages-error-subject-empty = Please write a subject.
messages-error-subject-long = The subject is too long. Keep it under 120 letters.
messages-file-unnamed = A file
messages-error-file-empty = { $name } is empty.
messages-error-file-large = { $name } is too big. Each file can be up to { $limit }.
messages-error-file-type = { $name } cannot be sent. Send pictures (PNG, JPEG, GIF, WebP) or PDF files.
messages-error-files-many = You can send up to 3 files with one message.
messages-error-form = We could not read what you sent. Please try again.
messages-auto-reply = Thank you. We got your message. We answer within { $days ->
    [one] 1 business day
   *[other] { $days } business days
    }, by { $due }. If this is an emergency, call 911.
messages-refill-subject = Refill: { $medicine }
