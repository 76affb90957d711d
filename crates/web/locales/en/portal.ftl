# The patient's pages in English. Keys are shared with es/portal.ftl; a test checks both
# files have the same keys.

## Every page
skip-to-main = Skip to main content
patient-portal = Patient Portal
footer-portal = Porchlight patient portal. Questions?
footer-call = Call
footer-front-desk = Ask at the front desk.
sign-in = Sign in
sign-out = Sign out
continue = Continue
go-to-start = Go to the start page

## Pages
landing-title = Welcome
landing-heading = Your health record, in one safe place
landing-lead = This is the patient portal of { $practice }. It lets you see your health information from home, on your phone or computer, at any hour.
landing-have-code = I have an activation code
landing-what = What the portal is for
landing-what-1 = Seeing your test results, medicines, allergies and vaccines.
landing-what-2 = Knowing when your next visit is.
landing-what-3 = Reaching your care team without waiting on the phone.
landing-privacy = Only you, and people you choose, can see your information. We keep a record of everyone who opens it.
landing-how = How to sign up
landing-step-1-strong = Ask at your next visit.
landing-step-1 = The front desk will check your email address.
landing-step-2-strong = Look for our email
landing-step-2 = , or take home the printed letter with your activation code if you do not use email.
landing-step-3-strong = Follow the steps.
landing-step-3 = You will type your name and date of birth, then choose a username and password. It takes about 5 minutes.
landing-no-invitation = Already a patient, but no invitation?
self-sign-up-link = Sign up without an invitation
landing-age = You will need to be 18 or older. A parent or caregiver can get access for someone else by asking the practice.
need-help = Need help?
help-call-us = Call us at
help-walk-through = We are happy to walk you through it, step by step.
help-front-desk = Ask at the front desk on your next visit.
bot-trap-label = Leave this empty
activate-title = Sign up with your activation code
activate-intro = Your activation code is on the letter the practice gave you. It looks like
activate-code-label = Activation code
activate-no-letter = No letter? Ask at the front desk on your next visit
or-call = , or call
activate-self = if you are already a patient.
activate-self-link = Sign up without a letter
step-of = Step { $step } of { $total }
identity-title = Tell us who you are
identity-intro = Type your legal name and date of birth as the practice has them, so that we can be sure this record is yours.
legal-first-name = Legal first name
legal-last-name = Legal last name
birth-date = Date of birth
birth-hint = For example: 4 9 1961 for April 9, 1961
month = Month
day = Day
year = Year
mrn-label = Medical record number (MRN)
mrn-hint = It is on your visit summary or your letter.
access-code-title = Your access code
credentials-title = Choose a username and password
credentials-intro = You will use them to sign in. Write them down somewhere safe if that helps you.
username = Username
username-hint = Letters, numbers, dots (.), dashes (-) and underscores (_), with no spaces. For example: { $example }
free-usernames = Free usernames:
password = Password
password-hint = At least { $count } characters. A short sentence you will remember works well, like three or four unrelated words. Spaces are fine.
password-stronger = To make it stronger:
password-again = Type the password again
your-username-is = Your username is
terms-title = The terms and your privacy
terms-intro = Please read the short version of each. The full text is below each summary.
terms-tick-both = To finish, tick both boxes.
terms-changed-meanwhile = A new version was published while you were reading. Read it below, then tick both boxes again.
terms-of-use = Terms of use
privacy-policy = Privacy policy
version = version { $number }
terms-language-note = This document exists only in English.
read-full-terms = Read the full terms of use
read-full-privacy = Read the full privacy policy
accept-terms = I have read and accept the terms of use
accept-terms-error = Tick this box to accept the terms of use.
accept-privacy = I have read and accept the privacy policy
accept-privacy-error = Tick this box to accept the privacy policy.
finish = Finish
problem-call = Call us at
problem-happy = We are happy to help.
not-found-title = Page not found
not-found-heading = We could not find that page
not-found-text = The address may be mistyped, or the page may have moved.
link-title = Sign up for the patient portal
link-intro = You followed the link in our email. Press the button to start: it takes about 5 minutes.
link-start = Start signing up
self-title = Sign up without an invitation
self-intro = If you are a patient of { $practice }, you can sign up here. Type your details as the practice has them, so that we can be sure your record is yours.
self-mrn-hint = It is on your visit summary.
ssn-last4-label = Last 4 digits of your Social Security number
ssn-last4-hint = We use them only to check that the record is yours.
self-have-letter = Have a letter with an activation code?
self-use-code = Use your code instead
self-which = Which practice are you a patient of?
self-off-title = Signing up needs an invitation
self-off-intro = This practice does not offer signing up without an invitation. To get one:
self-off-1-strong = Ask at the front desk
self-off-1 = on your next visit
self-off-2 = with a link, or take home the printed letter with your activation code.
self-off-3-strong = Follow the steps
self-off-3 = in the email, or type the code on the
self-off-3-link = activation page
welcome-heading = Welcome to your patient portal
welcome-lead = Your account is ready and you are signed in.
welcome-phone = Put the portal on your phone
welcome-phone-1 = On your phone, open the camera and point it at this code, or type
welcome-phone-2-a = In the browser's menu, choose
welcome-phone-2-android = Add to Home screen
welcome-phone-2-or = (Android) or
welcome-phone-2-iphone = Share, then Add to Home Screen
welcome-phone-3 = Open the portal from its icon, like any app.
welcome-qr-alt = QR code that opens { $url }
what-next = What comes next
welcome-next = Your records, messages and appointments will appear here as the practice adds them to the portal. If anything looks wrong, call
welcome-next-no-phone = the practice
home = Home
your-account = Your account
sign-in-heading = Sign in to your patient portal
your-practice = Your practice
sign-in-username-hint = The username you chose when you signed up.
trouble-heading = Trouble signing in?
trouble-forgot = Or call us at
trouble-back-in = We will help you get back in.
trouble-not-signed-up = Not signed up yet?
trouble-use-code = Use the activation code from your letter
trouble-or-email = , or follow the link in our email.
hello = Hello, { $name }
signed-in-as = You are signed in as
previous-sign-in = Your last sign-in before this one was on { $when }. If that was not you, call the practice.
first-sign-in = This is your first sign-in. Welcome!
home-next = Your records, messages and appointments will appear here as the practice adds them to the portal.
home-add-to-phone = Put the portal on your phone's home screen
home-help = When you are done, press { $sign_out } at the top, especially on a shared computer.
call = Call
terms-update-title = Updated terms
terms-update-heading = We updated our terms
terms-update-lead = Please read what changed, then accept to continue.
terms-update-tick = To continue, tick the box below.
what-changed = What changed
terms-update-version = { $document }, version { $number }:
new = new
accept-both = I have read and accept the terms of use and the privacy policy
accept-both-error = Tick this box to accept and continue.
accept-continue = Accept and continue
terms-update-questions = Questions before you accept? Call
terms-update-closed = The portal stays closed until you accept.

## Messages
activate-not-found = We could not find an invitation with that code. Check the code on your letter and try again.
activate-throttled = Too many tries from this device. Wait 15 minutes and try again, or call us.
link-broken-heading = This link does not work
link-broken = The link may be incomplete: some email programs break long links. Try copying the whole link from the email, or call us for a new invitation.
ended-expired-heading = This invitation has expired
ended-expired = Invitations work for a limited time, to keep your record safe. Call us and we will send you a new one.
ended-used-heading = This invitation was already used
ended-used = An account was created with it. If you cannot sign in, call us and we will help.
ended-revoked-heading = This invitation was cancelled
ended-revoked = The practice cancelled it, perhaps because a newer one was sent. Look for a newer email or letter, or call us.
ended-locked-heading = This invitation is locked
ended-locked = It was locked after too many tries that did not match our records. Call us and we will help you finish.
mismatch = The details do not match our records. Please call { $phone }. You can try { $count } more { $count ->
    [one] time
   *[other] times
 }.
the-practice = the practice
error-first-name-empty = First name: please enter it.
error-first-name-letters = First name: it must contain letters.
error-first-name-long = First name: it can have at most 200 characters.
error-last-name-empty = Last name: please enter it.
error-last-name-letters = Last name: it must contain letters.
error-last-name-long = Last name: it can have at most 200 characters.
error-birth-date = Enter a real date of birth, like 4 9 1961.
error-mrn-required = Enter your medical record number.
error-mrn = Check the medical record number: it is on your visit summary or your letter.
error-ssn-last4 = Type the last four digits of your Social Security number, like 6789.
error-postal-code = The ZIP code must have 5 digits, or 9 written as 12345-6789.
bot-too-soon = That was quick! To keep robots out, we ask everyone to take a few seconds. Please wait a few seconds, then press the button again.
bot-expired = This page was open for a long time, so we need to check again that you are a person. Please wait a few seconds, then press the button again.
bot-failed = We could not check that this form was sent by a person. Please wait a few seconds, then press the button again.
bot-checking = Checking that you are a person…
bot-done = done
access-ssn-label = Last 4 digits of your Social Security number
access-ssn-hint = We use them only to check that this record is yours.
access-year-label = The year you were born
access-year-hint = Four digits, like 1961.
access-year-format = Type the year with four digits, like 1961.
access-ssn-format = Type the last four digits, like 6789.
wrong-credentials = That username and password do not match. Check them and try again.
sign-in-throttled = Too many attempts to sign in. Wait { $minutes ->
    [one] 1 minute
   *[other] { $minutes } minutes
} and try again.
sign-in-throttled-forgot = If you forgot your password, you can reset it: see “Forgot your password or username?” below.
username-taken = That username is taken. Choose another, or one of these.
pw-too-short = Use at least { $min } characters. Yours has { $actual }.
pw-too-long = Use no more than { $max } characters.
pw-common = This password is too common: it appears in lists that attackers try first. Choose another.
pw-username = Your password contains your username. Leave it out.
pw-name = Your password contains your name. Leave it out: it is one of the first things someone would try.
pw-birth-date = Your password contains your date of birth. Leave it out: it is one of the first things someone would try.
pw-repetitive = Your password is made of repeats or runs, like "aaaa" or "1234". These are easy to guess.
pw-mismatch = The two passwords are not the same. Type the same password in both boxes.

## Passwords
username-too-short = A username needs at least 3 characters.
username-too-long = A username can have at most 64 characters.
username-invalid = A username can only have letters, numbers, dots (.), dashes (-) and underscores (_).
advice-1 = Try a short sentence you will remember, like three or four unrelated words.
advice-2 = This is one of the most common passwords. Attackers try these first.
advice-3 = Leave out your name, username and date of birth: they are the first things someone would try.
advice-4 = Keys that sit next to each other on the keyboard, like "qwerty", are easy to guess.
advice-5 = Repeated letters or numbers, like "aaa" or "111", are easy to guess.
advice-6 = Writing the same thing twice, like "abcabc", is hardly harder to guess than writing it once.
advice-7 = This is very close to a common password.
advice-8 = Runs like "abc" or "6543" are easy to guess.
advice-9 = Recent years are easy to guess.
advice-10 = A single word is easy to guess, even a long one.
advice-11 = Dates are easy to guess.
advice-12 = Names are easy to guess.
advice-13 = You do not need symbols, numbers or capital letters.
advice-14 = Add another word or two. Unusual words are best.
advice-15 = Capital letters do not help much.
advice-16 = All capital letters are almost as easy to guess as all small letters.
advice-17 = A word spelled backwards is not much harder to guess.
advice-18 = Swapping letters for look-alikes, like "@" for "a", does not help much.
advice-19 = Avoid patterns of keys on the keyboard.
advice-20 = Avoid repeating words or letters.
advice-21 = Avoid runs like "abc" or "123".
advice-22 = Avoid recent years.
advice-23 = Avoid dates and years that mean something to you, like your birthday.
bot-soon = the form will be sent in a moment.

## Forgot password or username, and the reset link
trouble-forgot-link = Forgot your password or username?
forgot-title = Forgot your password or username?
forgot-intro = Type your username, or the email address your practice has for you. We will email you your username and a link to choose a new password.
forgot-key = Username or email address
forgot-submit = Email me a link
forgot-key-missing = Type your username or your email address.
forgot-throttled = Too many requests from here. Wait { $minutes } minutes and try again.
forgot-no-email-heading = No email, or no access to it?
forgot-no-email = Call us at
forgot-sent-title = Check your email
forgot-sent = If an account matches what you typed, we have sent an email to the address we have on file, with your username and a link to choose a new password. The link works once, for { $minutes } minutes.
forgot-sent-spam = Nothing after a few minutes? Look in your spam or junk folder, or call us at
forgot-back-to-sign-in = Back to sign in
forgot-practice-sends-no-email = This practice does not send email from the portal, so we cannot email you a link.
forgot-call-for-code = Call us at
forgot-code-given = We will check who you are and give you a reset code. With it, you see your username and choose a new password.
reset-title = Choose a new password
reset-intro = For your account { $username }. When you save it, every phone or computer signed in to your account is signed out.
reset-new-password = New password
reset-submit = Save the new password
reset-ended-title = This link no longer works
reset-ended = A link to reset a password works once, for { $minutes } minutes. You can ask for a new one.
reset-ended-again = Email me a new link
reset-done-title = Your password is changed
reset-done = Sign in with your new password. Every phone or computer that was signed in to your account has been signed out.
not-me-title = Was this sign-in not you?
not-me-intro = Your account was signed in to from a phone or computer it had not been used on before:
not-me-when = When
not-me-device = Device
not-me-unknown-device = A browser we could not identify
not-me-what-happens = If it was not you, lock your account. Every phone and computer will be signed out, nobody can sign in, and we will call you to help you back in.
not-me-submit = Lock my account
not-me-if-you = If it was you, you can close this page: there is nothing to do.
not-me-ended-title = This link no longer works
not-me-ended = It was used already, or it is more than a week old. If you think someone else is using your account, call us.
not-me-call = Call us:
not-me-locked-title = Your account is locked
not-me-locked = Every phone and computer was signed out and nobody can sign in. Our staff have been told. Call us and we will help you back in with a new password.
forgot-have-code = I have a reset code from the practice
reset-code-title = Use a code from the practice
reset-code-intro = If the practice gave you a reset code, type it here. Then you choose a new password.
reset-code-label = Reset code
reset-code-hint = 10 letters and numbers, like ABCDE-23456.
reset-code-submit = Continue
reset-code-shape = A reset code has 10 letters and numbers, like ABCDE-23456. Check what you typed.
reset-code-wrong = That code does not work. It may be mistyped, used already, or more than a day old. Check it, or ask the practice for a new one.
reset-code-throttled = Too many codes that did not work. Wait { $minutes } minutes and try again, or call the practice.
reset-code-none = No code? Call us and we will help you:
access-link = Who has looked at my record
access-title = Who has looked at your record
access-intro = Each time someone at the practice opened or changed your record in the portal, it is written down. Here is the list, newest first.
access-none = Nobody at the practice has opened your record in the portal yet.
access-when = When
access-who = Who
access-what = What they did
access-viewed = Opened your record
access-invited = Invited you to the portal
access-invitation-cancelled = Cancelled an invitation to the portal
access-invitation-unlocked = Unlocked your invitation
access-contact-updated = Corrected your email address
access-sign-up-reviewed = Looked into a sign-up that did not match
access-reset-code = Gave you a code to reset your password
access-other = Worked on your record
access-former-staff = A former staff member
access-question = Something you do not recognize?
access-call = Call the practice and ask for the privacy officer:
role-front-desk = Front desk
role-clinician = Clinician
role-administrator = Administrator
role-security-officer = Security officer
devices-link = Where I am signed in
devices-title = Where you are signed in
devices-intro = Each phone or computer signed in to your account right now, the most recently used first.
devices-this-one = This device
devices-last-used = Last used:
devices-sign-out-others = Sign out everywhere else
devices-done = Done. Every other phone and computer is signed out.
devices-not-you = Something you do not recognize? Sign out everywhere else, then
devices-change-password = change your password.
access-locked-list = Saw your account in the list of locked accounts

## 2-step sign-in
two-step-title = Enter your code
two-step-app-intro = Open your authenticator app and type the 6-digit code it shows for this portal.
two-step-email-intro = We emailed you a 6-digit code, to the address the practice has for you. It works for { $minutes } minutes. It can take a minute to arrive.
two-step-code-label = Code
two-step-code-hint = 6 digits. Lost your phone? Type one of your recovery codes instead, like K7QM-3XRP.
two-step-submit = Sign in
two-step-wrong = That code does not work. Check it and try again. Each code works once.
two-step-ended = Too many codes that did not work, or the time ran out. Please sign in again.
two-step-call = Or call us for help.
two-step-resend = Send a new code
two-step-resent = We sent a new code. The one before no longer works.
two-step-resend-refused = Please wait a little before asking for another code. If none arrives, call us.
two-step-help = No code? Call us and we will help you:
recovery-title = Your recovery codes
recovery-intro = If you lose your phone, or cannot get your email, each of these codes signs you in once instead. Print them or write them down, and keep them somewhere safe. We show them only now.
recovery-continue = I have kept them. Continue
account-link = Account and security
account-title = Account and security
account-two-step-heading = 2-step sign-in
account-two-step-off = Off: signing in asks only for your password.
account-two-step-app = On: a code from your authenticator app.
account-two-step-email = On: a code sent by email.
account-two-step-why = With 2-step sign-in, someone who learns your password still cannot get in: they would also need your phone or your email.
account-two-step-set-up-app = Use an authenticator app
account-two-step-set-up-email = Get codes by email
account-two-step-no-email = Codes by email need an email address on your chart. Call us to add one.
account-two-step-codes-left = { $count ->
    [one] You have 1 recovery code left.
   *[other] You have { $count } recovery codes left.
}
account-two-step-new-codes = Make new recovery codes
account-two-step-turn-off = Turn off 2-step sign-in
account-two-step-turned-off = 2-step sign-in is off. Signing in asks only for your password.
account-more = More
account-alerts-on = When your account is used on a phone or computer for the first time, we email you.
account-alerts-off = We cannot email you when your account is used on a new phone or computer. So now and then, look at where you are signed in.
confirm-title = Confirm it is you
confirm-intro = Before you change how you sign in, type your password again.
confirm-password = Password
confirm-submit = Continue
confirm-wrong = That password is not right. Try again.
app-setup-title = Set up an authenticator app
app-setup-step1 = Install an authenticator app on your phone, such as Google Authenticator or Microsoft Authenticator.
app-setup-step2 = In the app, add an account, then point the phone's camera at this code.
app-setup-qr-alt = Code to scan with your authenticator app
app-setup-typed = Cannot scan it? Type this key in the app instead:
app-setup-step3 = Type below the 6-digit code the app now shows.
app-setup-code-hint = 6 digits, from the app.
app-setup-submit = Turn on 2-step sign-in
app-setup-wrong = That code does not match. Check that the phone's clock is right, then type the code the app shows now.
app-setup-cancel = Not now

## Passkeys
passkey-sign-in = Sign in with a passkey
passkey-sign-in-working = Waiting for your passkey…
passkey-sign-in-failed = That did not work. Try again, or sign in with your username and password.
passkey-unavailable = Passkeys are not available on this portal.
passkey-confirm-first = Type your password again first.
passkey-try-again = That took too long or did not work. Please try again.
passkey-refused = That passkey does not work here. Sign in with your username and password.
passkey-exists = This passkey is already saved.
passkeys-heading = Passkeys
passkeys-why = A passkey lets you sign in with your phone's or computer's screen lock (fingerprint, face or PIN) instead of your password. Nobody can trick you into giving it away.
passkeys-none = You have no passkeys yet.
passkeys-added = Added:
passkeys-last-used = Last used:
passkeys-remove = Remove
passkeys-add = Add a passkey
passkeys-working = Follow what your phone or computer asks…
passkeys-failed = No passkey was added. You can try again.
passkeys-done-added = Your passkey is saved. Next time, choose "Sign in with a passkey".
passkeys-done-removed = The passkey is removed. It no longer signs you in.

## Changing the password while signed in
password-change-title = Change your password
password-change-intro = Every other phone or computer signed in to your account will be signed out.
password-change-email = We will email you that the password changed.
password-change-done = Your password is changed. Every other phone or computer was signed out.

## Changing the email address
email-change-title = Change your email address
email-change-current = The address we have for you:
email-change-none = We have no email address for you.
email-change-intro = We will send a link to the new address. The change happens when you open it. We also tell your old address.
email-change-label = New email address
email-change-submit = Send the link
email-change-invalid = Enter an email address like name@example.com.
email-change-same = That is already your email address.
email-change-sent-title = Check your new inbox
email-change-sent = We sent a link to { $email }. Open it within a day to finish the change. Until then we keep writing to your old address.
email-change-confirm = Use { $email } as your email address for the portal and the practice's messages?
email-change-confirm-button = Yes, use this address
email-change-done-title = Your email address is changed
email-change-done = From now on we write to { $email }.
email-change-ended-title = This link no longer works
email-change-ended = A link to change an email address works once, for a day. Sign in and ask for a new one from "Account and security".
account-email-change = Change your email address
email-change-call = To change it, call us:
passkey-too-many = Too many tries from this network. Please wait a while, or sign in with your username and password.
email-change-too-many = You have asked for several changes today. Please wait until tomorrow, or call us.

## Sign-up, fewer screens and the password step (issue 11)
credentials-saved-notice = Your username and password are saved.
free-usernames-tap = Tap one to use it.
show-password = Show password
hide-password = Hide password
username-space = A username cannot have spaces. Use a dot instead, like lucia.rivera.
welcome-go-home = Go to your home page
welcome-this-phone = Put the portal on this phone
welcome-this-phone-intro = Add it to your home screen. Then it opens like an app.
welcome-android = Android (Chrome): tap the menu
welcome-then = , then
welcome-iphone = iPhone (Safari): tap
welcome-share = Share
welcome-add-home-iphone = Add to Home Screen
used-sign-in = Sign in
used-forgot = Forgot your password?
signed-out = You are signed out.

## When our side fails: the database, a full disk (issue 12)
outage-title = We are having trouble
outage-heading = We are having trouble
outage-text = Please try again in a few minutes.
outage-emergency = If you have a medical emergency, call 911.
outage-try-again = Try again
## Text with characters nobody types (issue 12)
input-refused-title = We could not take that
input-control-character = Something you typed has a character we can't accept. Please type it again.
input-go-back = Go back and type it again

## Test results
results-link = Test results
results-title = Your test results
results-intro = Lab tests and measures such as weight and blood pressure, newest first. Tap a test to see what it means and how it changed over time.
results-none = You have no test results in the portal yet.
results-no-more = There are no more test results.
results-pages = More test results
results-newer = Newer results
results-older = Older results
results-vital-signs = Vital signs
results-other-tests = Tests
results-unnamed = A test
results-no-date = Date not known
results-no-value = No value given
results-back = Back to all test results
results-your-result = Your result
results-what-it-means = What it means
results-normal-range = Normal range
results-range-none = No normal range given
results-taken = Taken
results-flag-normal = Normal
results-flag-high = High
results-flag-low = Low
results-flag-abnormal = Not normal
results-flag-critical = Critical: far outside the normal range
results-flag-none = Not marked
results-range-between = { $low } to { $high }
results-range-below = Below { $high }
results-range-above = Above { $low }
results-over-time = Over time
results-chart-title = Chart of your results over time
results-chart-description = { $test }: { $count } results from { $first } to { $last }. Lowest { $lowest }, highest { $highest }, latest { $latest }. The table below lists each one.
results-chart-band = The shaded band is the normal range.
results-table-caption = Each result, newest first
results-date = Date
results-value = Result
results-question = Questions about a result?
results-call = Your care team can explain it. Call the practice:

## Medicines, allergies, health problems and vaccines (issue 14)
medicines-link = Medicines
medicines-title = Your medicines
medicines-intro = These are the medicines in your record at the practice. If something here is wrong, or a medicine you take is missing, tell the practice.
medicines-none = There are no medicines in your record.
medicines-now = Medicines you take now
medicines-none-now = Your record has no medicines that you take now.
medicines-before = Medicines you took before
medicines-how = How to take it
medicines-prescriber = Prescribed by
medicines-started = Started
medicines-unnamed = A medicine with no name in your record
medicines-as-needed = Take it only when you need it.
medicines-ask-how = Ask the practice how to take it.
medicines-times-per = Take it { $times ->
    [one] once
   *[other] { $times } times
 } { $unit ->
    [hour] an hour
    [week] a week
    [month] a month
   *[day] a day
 }.
medicines-every = Take it every { $count } { $unit ->
    [hour] hours
    [week] weeks
    [month] months
   *[day] days
 }.
medicines-times-every = Take it { $times } times every { $count } { $unit ->
    [hour] hours
    [week] weeks
    [month] months
   *[day] days
 }.
allergies-link = Allergies
allergies-title = Your allergies
allergies-intro = These are the allergies in your record at the practice. Tell every doctor, nurse and pharmacist about them. If something here is wrong or missing, tell the practice.
allergies-none = No known allergies on file.
allergies-now = Allergies you have
allergies-before = Allergies you no longer have
allergies-unnamed = An allergy with no name in your record
allergies-reaction = What happens
allergies-reaction-unknown = Not written down
allergies-severity = How bad it was
allergies-severity-mild = Mild
allergies-severity-moderate = Moderate
allergies-severity-severe = Severe
allergies-risk = Risk of a serious reaction
allergies-risk-low = Low
allergies-risk-high = High: a reaction could be dangerous
allergies-risk-unknown = Not known
allergies-recorded = Date written down
conditions-link = Health problems
conditions-title = Your health problems
conditions-intro = These are the health problems in your record at the practice, now and in the past. If something here is wrong, tell the practice.
conditions-none = There are no health problems in your record.
conditions-now = Health problems you have now
conditions-none-now = Your record has no health problems that you have now.
conditions-before = Health problems that are over
conditions-unnamed = A health problem with no name in your record
conditions-onset = Started
conditions-resolved = Ended
conditions-date-unknown = Not known
vaccines-link = Vaccines
vaccines-title = Your vaccines
vaccines-intro = These are the vaccines (shots) in your record at the practice, newest first. If one is missing, tell the practice.
vaccines-none = There are no vaccines in your record.
vaccines-unnamed = A vaccine with no name in your record
vaccines-vaccine = Vaccine
vaccines-given = Given on
results-ask = Or send your care team a message about this result
