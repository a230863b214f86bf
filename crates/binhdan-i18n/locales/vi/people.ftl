## People: the CCCD (căn cước công dân) and the vault that protects it.
## Never put the full number in a message: at most its masked form (038*******89), as { $cccd }.

sex-male = Nam
sex-female = Nữ

cccd-empty = Chưa nhập số căn cước công dân (CCCD).
cccd-too-long = Nội dung quá dài, không phải số CCCD. Số CCCD gồm 12 chữ số.
cccd-invalid-character = Ký tự “{ $character }” ở vị trí { $position } không phải chữ số. Số CCCD chỉ gồm 12 chữ số.
cccd-wrong-length = Số CCCD phải có đúng 12 chữ số; số đã nhập có { $digits } chữ số.
cccd-old-cmnd = Số đã nhập có 9 chữ số, là số chứng minh nhân dân cũ. Hãy nhập số căn cước công dân 12 chữ số.
cccd-digits-lost = Số CCCD bị Excel đổi sang dạng khoa học (ví dụ 3,81235E+10) và đã mất các chữ số cuối. Hãy định dạng cột CCCD là “Văn bản” (Text), nhập lại số rồi xuất lại tệp.
cccd-not-an-integer = Số CCCD không được có phần thập phân.
cccd-province-unknown = Ba chữ số đầu “{ $code }” không phải mã tỉnh, thành phố nơi đăng ký khai sinh. Hãy kiểm tra lại số CCCD.
cccd-century-invalid = Chữ số thứ tư của số CCCD (mã thế kỷ và giới tính) phải từ 0 đến 3. Hãy kiểm tra lại số CCCD.
cccd-birth-year-mismatch = Số CCCD { $cccd } không khớp với năm sinh { $year }: chữ số thứ 4 đến thứ 6 cho biết năm sinh. Hãy kiểm tra lại số CCCD hoặc ngày sinh.
cccd-sex-mismatch = Số CCCD { $cccd } không khớp với giới tính { $sex ->
        [female] nữ
       *[male] nam
    }: chữ số thứ 4 cho biết giới tính. Hãy kiểm tra lại số CCCD hoặc giới tính.

vault-no-keys = Cấu hình chưa có khóa mã hóa nào. Hãy tạo khóa bằng lệnh “binhdan keys generate”.
vault-key-id-invalid = Tên khóa “{ $id }” không hợp lệ: dùng từ 1 đến 32 ký tự gồm chữ cái không dấu, chữ số, “.”, “_” hoặc “-”.
vault-key-id-duplicate = Tên khóa “{ $id }” bị trùng.
vault-key-encoding = Khóa “{ $id }” không phải chuỗi base64 hay hex hợp lệ.
vault-key-length = Khóa “{ $id }” dài { $bytes } byte; khóa mã hóa phải dài đúng 32 byte.
vault-key-reused = Khóa “{ $id }” trùng với một khóa khác. Mỗi khóa phải được tạo riêng.
vault-current-key-unknown = Khóa hiện hành “{ $id }” không có trong danh sách khóa.
vault-hmac-key-encoding = Khóa tra cứu (hmac_key) không phải chuỗi base64 hay hex hợp lệ.
vault-hmac-key-too-short = Khóa tra cứu (hmac_key) dài { $bytes } byte; cần ít nhất 32 byte.
vault-hmac-key-reused = Khóa tra cứu (hmac_key) trùng với một khóa mã hóa. Hãy tạo khóa riêng.
vault-encrypt-failed = Không mã hóa được số CCCD.
vault-sealed-malformed = Dữ liệu không phải một số CCCD đã mã hóa.
vault-sealed-version = Số CCCD được mã hóa theo phiên bản { $version } mà chương trình này không đọc được.
vault-sealed-key-unknown = Số CCCD được mã hóa bằng khóa “{ $id }”, nhưng khóa này không có trong cấu hình. Hãy thêm lại khóa cũ vào danh sách khóa.
vault-sealed-tampered = Dữ liệu mã hóa đã bị thay đổi hoặc khóa không đúng.
vault-sealed-invalid = Dữ liệu giải mã được không phải một số CCCD hợp lệ.
