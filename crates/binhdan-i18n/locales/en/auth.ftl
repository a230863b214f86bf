## Sign-in and account security (crate binhdan-auth): passwords, the authenticator app (TOTP),
## throttling, VNeID sign-in, staff roles. Never put a password, code or token in a message.

password-hash-failed = The password could not be saved. Please try again; if it still fails, tell the administrator.
password-too-short = The password needs at least { $min } characters (this one has { $actual }). A memorable sentence of a few words makes a good password.
password-too-long = The password is longer than { $max } characters.
password-one-character = The password must not repeat a single character.
password-same-as-username = The password must not be the user name or close to it.
password-too-common = This password is on the list of the most used passwords and would be guessed at once. Choose another, for example a memorable sentence of a few words.

totp-malformed = The verification code has { $digits } digits, from the authenticator app on your phone.
totp-invalid = The verification code is wrong or has expired. Enter the code the authenticator app shows now.
totp-replayed = This verification code has already been used. Wait for the app to show a new code and enter it.
totp-bad-secret = The two-step verification set-up of this account is damaged. Ask an administrator to reset it.

login-throttled-seconds = Too many failed sign-ins. Please try again in { $seconds } seconds.
login-throttled-minutes = Too many failed sign-ins. Please try again in { $minutes } minutes, or reset your password.

oidc-missing-claim = VNeID did not send all the details needed (“{ $claim }” is missing). Please sign in again; if it still fails, tell the administrator.
oidc-nonce-mismatch = The VNeID sign-in does not match or has expired. Please sign in again.
oidc-invalid-cccd = The CCCD number sent by VNeID is not valid. Please tell the administrator.
oidc-birthdate-mismatch = The CCCD number sent by VNeID does not match the year of birth. Please tell the administrator.
oidc-no-cccd = VNeID did not send your CCCD number, so you cannot sign in yet. Check that your VNeID account is verified with your CCCD, or ask your village facilitator.
oidc-code-refused = VNeID did not accept this sign-in (it may have expired or already been used). Please sign in again.
oidc-token-invalid = The details sent by VNeID could not be verified. Please sign in again; if it still fails, tell the administrator.
oidc-unavailable = VNeID cannot be reached right now. Please try again in a few minutes.
oidc-misconfigured = Sign-in with VNeID is not set up correctly. Please tell the administrator.

role-province-admin = Province administrator
role-commune-admin = Commune administrator
role-village-facilitator = Village facilitator
role-org-admin = Organisation administrator
role-content-author = Content author
role-auditor = Auditor
staff-grant-ill-formed = This role cannot have the scope chosen: an organisation admin needs an organisation; the other roles need a unit.
staff-username-invalid = The username must not be empty and may hold only unaccented letters, digits and signs such as . _ - (no spaces), at most 64 of them.
staff-name-missing = The staff member's name is missing.
