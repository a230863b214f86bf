## Importing rosters of people and population figures from CSV and XLSX files.
## Never put a full CCCD in a message: at most its masked form (038*******89), as { $cccd }.

## Reading the file

tabular-io = Không đọc được tệp: { $detail }
tabular-utf16 = Tệp được lưu dạng “Unicode Text” (UTF-16). Hãy mở tệp bằng Excel và lưu lại dưới dạng “CSV UTF-8 (Comma delimited)” hoặc “Excel Workbook (.xlsx)”.
tabular-binary = Tệp này không phải bảng tính CSV hay Excel (.xlsx).
tabular-legacy-excel = Tệp là bảng tính Excel 97-2003 (.xls) hoặc có đặt mật khẩu. Hãy mở tệp bằng Excel, bỏ mật khẩu nếu có, rồi lưu lại dưới dạng “Excel Workbook (.xlsx)” hoặc “CSV UTF-8”.
tabular-html = Tệp này là trang web (HTML) được đặt tên như tệp Excel, thường do phần mềm khác xuất ra. Hãy mở tệp bằng Excel rồi lưu lại dưới dạng “Excel Workbook (.xlsx)”.
tabular-open-document = Tệp là bảng tính OpenDocument (.ods). Hãy lưu lại dưới dạng “Excel Workbook (.xlsx)” hoặc “CSV UTF-8”.
tabular-xlsx-unreadable = Không đọc được tệp Excel; tệp có thể bị hỏng. Hãy mở tệp bằng Excel và lưu lại. (Chi tiết: { $detail })
tabular-no-sheet = Tệp Excel không có trang tính (sheet) nào chứa dữ liệu.
tabular-sheet-not-found = Tệp Excel không có trang tính “{ $name }”. Các trang tính có trong tệp: { $available }.
tabular-header-not-found = Không tìm thấy dòng tiêu đề trong { $scanned } dòng đầu của tệp. Dòng tiêu đề cần có tên các cột, ví dụ “Họ và tên”, “Số CCCD”, “Ngày sinh”.

## Checking a person

person-name-empty = Chưa nhập họ và tên.
person-name-too-long = Họ và tên dài quá { $max } ký tự.
person-name-invalid-character = Họ và tên có ký tự “{ $character }” không hợp lệ. Tên chỉ gồm chữ cái, dấu cách, dấu nháy (') và dấu gạch nối (-).
person-birth-date-empty = Chưa nhập ngày sinh.
person-birth-date-unreadable = Không hiểu ngày sinh “{ $value }”. Hãy nhập theo dạng ngày/tháng/năm, ví dụ 05/01/1990.
person-birth-date-not-real = Ngày sinh “{ $value }” không có thật. Ghi theo dạng ngày/tháng/năm, ví dụ 28/02/1990.
person-birth-date-two-digit-year = Ngày sinh “{ $value }” chỉ có hai chữ số của năm. Hãy nhập đủ bốn chữ số, ví dụ 05/01/1990.
person-birth-date-year-only = Ngày sinh chỉ có năm { $year }. Hãy nhập đủ ngày, tháng, năm sinh.
person-birth-date-future = Ngày sinh { $date } ở sau ngày tính ({ $on }).
person-too-old = Theo ngày sinh này, người này { $age } tuổi, quá { $max } tuổi. Hãy kiểm tra lại ngày sinh.
person-phone-invalid = “{ $value }” không phải số điện thoại di động Việt Nam. Số di động gồm 10 chữ số, ví dụ 0912345678.
person-phone-not-mobile = “{ $value }” là số điện thoại cố định. Hãy nhập số di động (bắt đầu bằng 03, 05, 07, 08 hoặc 09).
person-sex-unknown = Không hiểu giới tính “{ $value }”. Hãy ghi “Nam” hoặc “Nữ”.
person-grade-invalid = “{ $value }” không phải khối lớp từ 1 đến 12.
person-text-too-long = Nội dung dài quá { $max } ký tự.
person-unit-mismatch = Thôn mã { $village } không thuộc xã mã { $commune }.
person-cccd-repeated = Số CCCD { $cccd } trùng với dòng { $first_row }.
person-registered-elsewhere = Người có số CCCD này đã được đăng ký ở một đơn vị ngoài phạm vi của bạn. Hãy báo cán bộ xã để chuyển nơi ở.

## Population figures

population-group-unknown = Không hiểu đối tượng “{ $value }”. Hãy ghi một trong các đối tượng: Người trưởng thành, Học sinh, CBCCVC, Người lao động.
population-count-invalid = Số lượng “{ $value }” không phải số nguyên, ví dụ 1.234.
population-count-negative = Số lượng không được là số âm.
population-repeated = Đơn vị { $unit } đã có số liệu cho đối tượng { $group ->
        [adult] người trưởng thành
        [student] học sinh
        [public_servant] cán bộ, công chức, viên chức
       *[worker] người lao động
    } ở dòng { $first_row }.
population-unit-out-of-scope = Bạn không có quyền nhập số liệu cho đơn vị { $code }.

## Rosters of people

import-village-without-commune = Dòng này ghi tên thôn nhưng không ghi mã xã. Hãy thêm cột “Mã xã” hoặc ghi “Mã thôn”.
import-village-name-unknown = Xã mã { $commune } không có thôn, bản, tổ dân phố tên “{ $name }”. Hãy kiểm tra tên hoặc ghi “Mã thôn”.
import-unit-outside-roster = { $name } ({ $code }) không thuộc { $scope }, đơn vị của danh sách này. Hãy bỏ dòng này khỏi danh sách hoặc gửi cho đơn vị đó.
import-rejects-unwritable = Không ghi được tệp các dòng bị từ chối: { $detail }
person-commune-mismatch = Cột xã ghi “{ $name }” (mã { $named }) nhưng cột “Mã xã” ghi { $coded }.
import-commune-name-unknown = Tỉnh không có xã, phường, đặc khu nào tên “{ $name }”. Hãy kiểm tra tên hoặc ghi mã xã.
import-commune-name-ambiguous = Có nhiều đơn vị tên “{ $name }” ({ $candidates }). Hãy ghi rõ “Xã” hoặc “Phường” phía trước, ghi tên có đủ dấu, hoặc ghi mã xã.
import-row-needs-commune = Danh sách này dành cho cả tỉnh nên mỗi dòng phải ghi xã, phường (tên hoặc mã) hoặc mã thôn.
import-province-needs-commune = Danh sách cho cả tỉnh { $scope } phải có cột “Xã/Phường” (tên hoặc mã) hoặc “Mã thôn”. Hãy thêm cột đó, hoặc chọn một xã, phường để nhập.
import-org-home-outside = Nơi ở { $code } ngoài { $scope }, xã, phường nơi tổ chức đặt trụ sở. Người ở xã khác cần được xã đó đăng ký trước; sau đó danh sách của tổ chức sẽ thêm họ làm thành viên.
person-registered-elsewhere-org = Người có số CCCD này đã được đăng ký ở đơn vị khác với họ tên hoặc ngày sinh khác. Hãy kiểm tra lại họ tên và ngày sinh cho đúng với giấy tờ.
import-unused-columns = Các cột sau không được dùng và đã bỏ qua: { $columns }.
tabular-part-too-large = Tệp Excel có phần “{ $part }” quá lớn khi giải nén (hơn { $limit } MB), có thể tệp bị hỏng hoặc cố ý làm hại. Hãy mở bằng Excel, lưu lại, hoặc lưu dạng CSV UTF-8 rồi gửi lại.
tabular-too-many-parts = Tệp Excel có quá nhiều thành phần ({ $count }, tối đa { $max }). Hãy lưu lại dạng CSV UTF-8 rồi gửi lại.
tabular-text-too-long = Tệp Excel có một ô chứa văn bản quá dài (hơn { $limit } KB) trong phần “{ $part }”. Hãy kiểm tra lại tệp.
tabular-cancelled = Việc đọc tệp đã dừng vì yêu cầu đã kết thúc.
