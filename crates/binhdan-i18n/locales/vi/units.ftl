## Administrative units and their imports

unit-code-malformed = Mã đơn vị “{ $code }” không hợp lệ: mã tỉnh có 2 chữ số, mã xã 5 chữ số, mã thôn 8 chữ số.
unit-unknown = Không có đơn vị hành chính mã “{ $code }”.
unit-not-commune = Đơn vị “{ $code }” không phải là xã, phường hay đặc khu; thôn, bản, tổ dân phố chỉ tạo được dưới một xã.
unit-too-many-villages = Xã { $commune } đã dùng hết 999 mã thôn.
unit-name-empty = Tên không được để trống.
unit-name-too-long = Tên dài quá { $max } ký tự.
unit-division-type-unknown = Loại “{ $value }” không hợp lệ; hãy dùng: thôn, bản, làng, xóm, ấp, buôn, khu phố, khóm hoặc tổ dân phố.
unit-village-duplicate = Xã { $commune } đã có “{ $name }”.
import-column-missing = Thiếu cột “{ $column }”.
import-column-twice = Cột “{ $column }” xuất hiện hai lần.
import-cell-empty = Ô này không được để trống.
import-village-repeated = “{ $name }” trùng với dòng { $first_row }.
import-not-utf8 = Tệp không phải văn bản UTF-8 (dòng { $row }). Hãy lưu lại tệp dưới dạng “CSV UTF-8”.
import-malformed-csv = Dòng { $row } không đọc được: { $detail }
import-empty-file = Tệp không có dòng tiêu đề.
import-too-many-rows = Tệp có quá nhiều dòng (tối đa { $max }).
import-row-error = Dòng { $row }, cột “{ $column }”: { $message }
import-failed = Không nhập được tệp: có { $count } lỗi. Chưa có dữ liệu nào được ghi.
import-done = Đã nhập { $count } thôn, bản, tổ dân phố.
demo-not-a-province = “{ $code }” không phải là mã tỉnh, thành phố.
demo-province-not-empty = { $name } đã có dữ liệu thôn, bản; bản trình diễn chỉ tạo trên một tỉnh còn trống.
