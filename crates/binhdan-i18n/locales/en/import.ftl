## Importing rosters of people and population figures from CSV and XLSX files.
## Never put a full CCCD in a message: at most its masked form (038*******89), as { $cccd }.

## Reading the file

tabular-io = The file cannot be read: { $detail }
tabular-utf16 = The file was saved as “Unicode Text” (UTF-16). Open it in Excel and save it as “CSV UTF-8 (Comma delimited)” or “Excel Workbook (.xlsx)”.
tabular-binary = This file is neither a CSV nor an Excel (.xlsx) spreadsheet.
tabular-legacy-excel = The file is an Excel 97-2003 workbook (.xls) or is password-protected. Open it in Excel, remove the password if any, and save it as “Excel Workbook (.xlsx)” or “CSV UTF-8”.
tabular-html = This file is a web page (HTML) named like an Excel file, as some software exports. Open it in Excel and save it as “Excel Workbook (.xlsx)”.
tabular-open-document = The file is an OpenDocument spreadsheet (.ods). Save it as “Excel Workbook (.xlsx)” or “CSV UTF-8”.
tabular-xlsx-unreadable = The Excel file cannot be read; it may be damaged. Open it in Excel and save it again. (Details: { $detail })
tabular-no-sheet = The Excel file has no worksheet with data.
tabular-sheet-not-found = The Excel file has no sheet named “{ $name }”. Its sheets are: { $available }.
tabular-header-not-found = No header row was found in the first { $scanned } rows. The header row names the columns, e.g. “Họ và tên”, “Số CCCD”, “Ngày sinh”.

## Checking a person

person-name-empty = The full name is missing.
person-name-too-long = The full name is longer than { $max } characters.
person-name-invalid-character = The name contains “{ $character }”, which is not allowed. A name has only letters, spaces, apostrophes (') and hyphens (-).
person-birth-date-empty = The date of birth is missing.
person-birth-date-unreadable = The date of birth “{ $value }” cannot be read. Write it as day/month/year, e.g. 05/01/1990.
person-birth-date-not-real = The date of birth “{ $value }” does not exist. Write it as day/month/year, e.g. 28/02/1990.
person-birth-date-two-digit-year = The date of birth “{ $value }” has only two digits for the year. Write all four, e.g. 05/01/1990.
person-birth-date-year-only = The date of birth is only the year { $year }. Give the day, month and year.
person-birth-date-future = The date of birth { $date } is after the evaluation date ({ $on }).
person-too-old = By this date of birth the person is { $age }, older than { $max }. Check the date of birth.
person-phone-invalid = “{ $value }” is not a Vietnamese mobile number. A mobile number has 10 digits, e.g. 0912345678.
person-phone-not-mobile = “{ $value }” is a landline number. Give a mobile number (starting with 03, 05, 07, 08 or 09).
person-sex-unknown = The sex “{ $value }” is not understood. Write “Nam” (male) or “Nữ” (female).
person-grade-invalid = “{ $value }” is not a school grade from 1 to 12.
person-text-too-long = The text is longer than { $max } characters.
person-unit-mismatch = Village { $village } is not in commune { $commune }.
person-cccd-repeated = CCCD { $cccd } repeats row { $first_row }.
person-registered-elsewhere = The person with this CCCD is registered in a unit outside your scope. Ask the commune to move them.

## Population figures

population-group-unknown = The group “{ $value }” is not understood. Use one of: Người trưởng thành (adult), Học sinh (student), CBCCVC (public servant), Người lao động (worker).
population-count-invalid = The count “{ $value }” is not a whole number, e.g. 1,234.
population-count-negative = A count cannot be negative.
population-repeated = Unit { $unit } already has a figure for { $group ->
        [adult] adults
        [student] students
        [public_servant] public servants
       *[worker] workers
    } on row { $first_row }.
population-unit-out-of-scope = You may not set the figures of unit { $code }.

## Rosters of people

import-village-without-commune = This row names a village but no commune code. Add a “Mã xã” (commune code) column or give the “Mã thôn” (village code).
import-village-name-unknown = Commune { $commune } has no village named “{ $name }”. Check the name or give the “Mã thôn” (village code).
import-unit-outside-roster = { $name } ({ $code }) is not in { $scope }, the unit of this roster. Take the row out, or send it to that unit.
import-rejects-unwritable = Could not write the file of rejected rows: { $detail }
person-commune-mismatch = The commune column says “{ $name }” (code { $named }) but the “Mã xã” column gives { $coded }.
import-commune-name-unknown = The province has no commune or ward named “{ $name }”. Check the name or give the commune code.
import-commune-name-ambiguous = Several units are named “{ $name }” ({ $candidates }). Write “Xã” or “Phường” before the name, write it with all its diacritics, or give the commune code.
import-row-needs-commune = This roster is for the whole province, so each row must give the commune or ward (name or code) or the village code.
import-province-needs-commune = A roster for the whole province { $scope } needs a “Xã/Phường” column (name or code) or a “Mã thôn” column. Add one, or choose a commune or ward to import into.
import-org-home-outside = Home { $code } is outside { $scope }, the commune or ward where the organisation sits. People living elsewhere must first be registered by their own commune; the organisation's roster then adds them as members.
person-registered-elsewhere-org = The person with this CCCD is registered elsewhere with another name or date of birth. Check the name and date of birth against their ID card.
import-unused-columns = These columns are not used and were ignored: { $columns }.
tabular-part-too-large = Part “{ $part }” of the Excel file is too large once unpacked (over { $limit } MB): the file may be damaged or made to do harm. Open it in Excel and save it again, or save it as CSV UTF-8, and send it again.
tabular-too-many-parts = The Excel file has too many parts ({ $count }, at most { $max }). Save it as CSV UTF-8 and send it again.
tabular-text-too-long = A cell of the Excel file holds a text that is too long (over { $limit } KB) in part “{ $part }”. Check the file.
tabular-cancelled = Reading the file stopped because the request ended.
