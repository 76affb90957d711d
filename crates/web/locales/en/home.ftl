# The home page's tiles, the "New" mark on results, and the new-result email choice
# (issue 14). Keys are shared with es/home.ftl.

home-visits-heading = Next visits
home-visits-none = No upcoming visits.
home-visits-call = To book one, call
home-visits-ask = To book one, ask at the front desk.
home-visit-unnamed = Visit
home-visit-with = With { $name }
home-results-heading = New test results
home-new-results = { $count ->
    [one] You have 1 new test result
   *[other] You have { $count } new test results
}
home-results-none = No new results.
home-new-mark = New
home-medicines-heading = Medicines
home-medicines-count = { $count ->
    [one] You take 1 medicine now.
   *[other] You take { $count } medicines now.
}
home-medicines-none = No medicines on your list right now.
home-todo-heading = Things to do
home-todo-read-results = Read them.
home-todo-two-step = Set up 2-step sign-in to keep your account safe.
home-todo-none = Nothing to do right now.
home-balance-heading = Your bills
home-balance-due = Your share of the bills on file: { $amount }.
home-balance-questions = Payments you made may not show here yet. To check what you still owe, or to pay, call us.
home-balance-none = No bills for you on file.
home-emails-heading = Emails from us
home-results-email-on = On: we email you when you have a new test result.
home-results-email-off = Off: we do not email you about new test results.
home-results-email-why = The email never says which test it is or what it found. It only asks you to sign in.
home-results-email-no-address = We have no email address for you. Call us to add one.
home-results-email-turn-off = Stop emails about new test results
home-results-email-turn-on = Email me when I have a new test result
home-results-email-turned-on = We will email you when you have a new test result.
home-results-email-turned-off = We will not email you about new test results.
home-messages-heading = Messages
home-messages-new = { $count ->
    [one] You have 1 new message.
   *[other] You have { $count } new messages.
    }
home-messages-none = No new messages.
home-messages-write = Write to your care team
