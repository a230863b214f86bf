## Sign-in and account security (crate binhdan-auth): passwords, the authenticator app (TOTP),
## throttling, VNeID sign-in, staff roles. Never put a password, code or token in a message.

password-hash-failed = Không lưu được mật khẩu. Xin thử lại; nếu vẫn lỗi, hãy báo cho quản trị viên.
password-too-short = Mật khẩu phải có ít nhất { $min } ký tự (mật khẩu đã nhập có { $actual } ký tự). Một câu dễ nhớ gồm vài từ là mật khẩu tốt.
password-too-long = Mật khẩu dài quá { $max } ký tự.
password-one-character = Mật khẩu không được chỉ lặp lại một ký tự.
password-same-as-username = Mật khẩu không được trùng hoặc gần giống tên đăng nhập.
password-too-common = Mật khẩu này nằm trong danh sách mật khẩu hay bị dùng nhất, kẻ xấu đoán ra ngay. Hãy chọn mật khẩu khác, ví dụ một câu dễ nhớ gồm vài từ.

totp-malformed = Mã xác thực gồm { $digits } chữ số, lấy từ ứng dụng xác thực trên điện thoại.
totp-invalid = Mã xác thực không đúng hoặc đã hết hạn. Hãy nhập mã đang hiện trên ứng dụng xác thực.
totp-replayed = Mã xác thực này đã được dùng. Hãy đợi ứng dụng hiện mã mới rồi nhập lại.
totp-bad-secret = Thiết lập xác thực hai lớp của tài khoản bị hỏng. Hãy nhờ quản trị viên đặt lại.

login-throttled-seconds = Đăng nhập sai quá nhiều lần. Xin thử lại sau { $seconds } giây.
login-throttled-minutes = Đăng nhập sai quá nhiều lần. Xin thử lại sau { $minutes } phút, hoặc dùng chức năng quên mật khẩu.

oidc-missing-claim = VNeID không gửi đủ thông tin (thiếu “{ $claim }”). Xin đăng nhập lại; nếu vẫn lỗi, hãy báo cho quản trị viên.
oidc-nonce-mismatch = Phiên đăng nhập bằng VNeID không khớp hoặc đã hết hạn. Xin đăng nhập lại.
oidc-invalid-cccd = Số CCCD do VNeID gửi về không hợp lệ. Xin báo cho quản trị viên.
oidc-birthdate-mismatch = Số CCCD do VNeID gửi về không khớp với năm sinh. Xin báo cho quản trị viên.
oidc-no-cccd = VNeID không gửi số CCCD của bạn nên chưa đăng nhập được. Xin kiểm tra tài khoản VNeID đã được định danh bằng CCCD chưa, hoặc hỏi người hướng dẫn ở thôn, tổ dân phố.
oidc-code-refused = VNeID không nhận lượt đăng nhập này (có thể đã quá hạn hoặc đã được dùng). Xin đăng nhập lại.
oidc-token-invalid = Không xác minh được thông tin VNeID gửi về. Xin đăng nhập lại; nếu vẫn lỗi, hãy báo cho quản trị viên.
oidc-unavailable = Chưa kết nối được với VNeID. Xin thử lại sau ít phút.
oidc-misconfigured = Đăng nhập bằng VNeID chưa được thiết lập đúng. Xin báo cho quản trị viên.

role-province-admin = Quản trị cấp tỉnh
role-commune-admin = Quản trị cấp xã
role-village-facilitator = Người hướng dẫn ở thôn, tổ dân phố
role-org-admin = Quản trị tổ chức
role-content-author = Biên soạn nội dung
role-auditor = Kiểm tra, giám sát
staff-grant-ill-formed = Vai trò này không dùng được với phạm vi đã chọn: quản trị tổ chức cần một tổ chức; các vai trò khác cần một đơn vị.
staff-username-invalid = Tên đăng nhập không được để trống, chỉ gồm chữ cái không dấu, chữ số và các dấu như . _ - (không có dấu cách), tối đa 64 ký tự.
staff-name-missing = Chưa nhập họ và tên của cán bộ.
