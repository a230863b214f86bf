## People: the CCCD (citizen identity number) and the vault that protects it.
## Never put the full number in a message: at most its masked form (038*******89), as { $cccd }.

sex-male = Male
sex-female = Female

cccd-empty = No citizen identity number (CCCD) was given.
cccd-too-long = This is too long to be a CCCD. A CCCD has 12 digits.
cccd-invalid-character = Character “{ $character }” at position { $position } is not a digit. A CCCD has 12 digits only.
cccd-wrong-length = A CCCD has exactly 12 digits; this one has { $digits }.
cccd-old-cmnd = This number has 9 digits: it is an old identity card (CMND) number. Enter the 12-digit CCCD.
cccd-digits-lost = Excel turned the CCCD into scientific notation (e.g. 3.81235E+10) and its last digits are lost. Format the CCCD column as Text, enter the number again and export the file again.
cccd-not-an-integer = A CCCD has no decimals.
cccd-province-unknown = The first three digits “{ $code }” are not the code of a province of birth registration. Check the CCCD.
cccd-century-invalid = The 4th digit of a CCCD (century and sex) must be 0 to 3. Check the CCCD.
cccd-birth-year-mismatch = CCCD { $cccd } does not match the year of birth { $year }: digits 4 to 6 give the year of birth. Check the CCCD or the date of birth.
cccd-sex-mismatch = CCCD { $cccd } does not match the sex { $sex ->
        [female] female
       *[male] male
    }: the 4th digit gives the sex. Check the CCCD or the sex.

vault-no-keys = The configuration has no encryption key. Create keys with “binhdan keys generate”.
vault-key-id-invalid = Key id “{ $id }” is not valid: use 1 to 32 characters among ASCII letters, digits, “.”, “_” and “-”.
vault-key-id-duplicate = Key id “{ $id }” appears twice.
vault-key-encoding = Key “{ $id }” is neither valid base64 nor hex.
vault-key-length = Key “{ $id }” has { $bytes } bytes; an encryption key has exactly 32.
vault-key-reused = Key “{ $id }” repeats another key. Generate each key separately.
vault-current-key-unknown = The current key “{ $id }” is not among the keys.
vault-hmac-key-encoding = The look-up key (hmac_key) is neither valid base64 nor hex.
vault-hmac-key-too-short = The look-up key (hmac_key) has { $bytes } bytes; at least 32 are needed.
vault-hmac-key-reused = The look-up key (hmac_key) repeats an encryption key. Generate a separate key.
vault-encrypt-failed = The CCCD could not be encrypted.
vault-sealed-malformed = These bytes are not an encrypted CCCD.
vault-sealed-version = The CCCD was encrypted in format version { $version }, which this program cannot read.
vault-sealed-key-unknown = The CCCD was encrypted with key “{ $id }”, which is not in the configuration. Put the old key back in the list of keys.
vault-sealed-tampered = The encrypted data was altered, or the key is wrong.
vault-sealed-invalid = The decrypted data is not a valid CCCD.
