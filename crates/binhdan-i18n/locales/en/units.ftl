## Administrative units and their imports

unit-code-malformed = Unit code “{ $code }” is not valid: a province code has 2 digits, a commune code 5 and a village code 8.
unit-unknown = There is no administrative unit with code “{ $code }”.
unit-not-commune = Unit “{ $code }” is not a commune, ward or special zone; villages can only be created under a commune.
unit-too-many-villages = Commune { $commune } has used all 999 village codes.
unit-name-empty = The name must not be empty.
unit-name-too-long = The name is longer than { $max } characters.
unit-division-type-unknown = Type “{ $value }” is not valid; use one of: thôn, bản, làng, xóm, ấp, buôn, khu phố, khóm, tổ dân phố.
unit-village-duplicate = Commune { $commune } already has “{ $name }”.
import-column-missing = Column “{ $column }” is missing.
import-column-twice = Column “{ $column }” appears twice.
import-cell-empty = This cell must not be empty.
import-village-repeated = “{ $name }” repeats row { $first_row }.
import-not-utf8 = The file is not UTF-8 text (row { $row }). Save it as “CSV UTF-8”.
import-malformed-csv = Row { $row } cannot be read: { $detail }
import-empty-file = The file has no header row.
import-too-many-rows = The file has too many rows (at most { $max }).
import-row-error = Row { $row }, column “{ $column }”: { $message }
import-failed = The file was not imported: { $count } errors. Nothing was written.
import-done = Imported { $count } villages.
demo-not-a-province = “{ $code }” is not a province code.
demo-province-not-empty = { $name } already has villages; the demo is only built on an empty province.
