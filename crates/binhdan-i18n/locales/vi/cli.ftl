## The command line

cli-migrated = Cơ sở dữ liệu đã sẵn sàng ({ $units } đơn vị hành chính mới được nạp).
cli-demo-built = Đã tạo tỉnh trình diễn: { $communes } xã, phường; { $villages } thôn, bản, tổ dân phố; { $adults } người trưởng thành.
cli-content-ok = Nội dung hợp lệ: { $courses } khóa học, { $lessons } bài học, { $items } câu hỏi, { $tasks } bài thực hành mô phỏng.
cli-content-invalid = Nội dung có { $count } lỗi; chưa nạp gì.
cli-content-loaded = Đã nạp { $courses } khóa học: { $added } bài mới, { $changed } bài sửa, { $retired } bài ngừng dùng; { $items_added } câu hỏi mới, { $items_changed } câu hỏi sửa; { $tasks } bài thực hành mô phỏng.
cli-population-done = Đã nhập { $figures } số liệu dân số (tổng { $people } người).

## People, organisations, staff, audit

cli-import-rows = Đã đọc (dòng)
cli-people-imported = Đã nhập { $rows } dòng: { $added } người mới, { $updated } cập nhật, { $unchanged } không đổi, { $rejected } dòng bị từ chối.
cli-people-checked = Đã kiểm tra { $rows } dòng (chưa ghi gì): { $added } người mới, { $updated } cập nhật, { $unchanged } không đổi, { $rejected } dòng bị từ chối.
cli-people-rejects = Các dòng bị từ chối, kèm lỗi, đã ghi vào { $file }. Sửa rồi nhập lại tệp đó.
cli-org-spec-invalid = “{ $value }” không đúng dạng LOẠI:MÃ, ví dụ school:38001234 (loại: school, agency, enterprise, cooperative).
cli-org-unknown = Không có tổ chức { $value }. Hãy tạo trước bằng “binhdan org create”.
cli-org-exists = Đã có tổ chức { $value }.
cli-org-created = Đã tạo tổ chức số { $id }: { $name }.
cli-grades-invalid = Khối lớp “{ $value }” không hợp lệ; hãy ghi dạng 6-9, trong khoảng 1 đến 12.
cli-grant-ill-formed = Vai trò này không dùng được với phạm vi đã chọn (ví dụ: quản trị tổ chức cần --org; quản trị xã cần --unit).
cli-password-prompt = Nhập mật khẩu (ít nhất 10 ký tự) rồi nhấn Enter:
cli-admin-created = Đã tạo tài khoản số { $id }: { $username }.
cli-admin-exists = Tên đăng nhập { $username } đã có người dùng.
cli-totp-resealed = Đã niêm phong { $count } khóa TOTP còn lưu dạng rõ; không còn khóa nào ở dạng rõ.
cli-audit-ok = Nhật ký kiểm toán nguyên vẹn: { $count } bản ghi, chuỗi băm khớp.
cli-audit-altered = Nhật ký kiểm toán bị sửa: bản ghi số { $seq } không khớp với mã băm của nó.
cli-audit-broken = Nhật ký kiểm toán bị cắt xén: bản ghi số { $seq } không nối tiếp bản ghi trước (cần số { $expected }).
cli-audit-truncated = Nhật ký kiểm toán mất các bản ghi cuối: đầu chuỗi là số { $head } nhưng chỉ đọc được đến số { $last }.
cli-admin-totp = Thêm địa chỉ dưới đây vào ứng dụng xác thực (Google Authenticator, Microsoft Authenticator…) ngay bây giờ; địa chỉ chỉ hiện một lần:

## Item response theory

cli-irt-done = Đã hiệu chỉnh { $calibrated }/{ $items } câu hỏi và { $tasks_calibrated }/{ $tasks } bài thực hành mô phỏng trên { $responses } câu trả lời của { $persons } người; tham số lưu thành phiên bản { $version }.
irt-too-few-responses = Chưa đủ dữ liệu để hiệu chỉnh: mới có { $responses } câu trả lời, cần ít nhất { $min }. Tham số cũ được giữ nguyên.
irt-too-few-persons = Chưa đủ dữ liệu để hiệu chỉnh: mới có { $persons } người trả lời, cần ít nhất { $min }. Tham số cũ được giữ nguyên.
irt-no-item = Chưa đủ dữ liệu để hiệu chỉnh: không câu hỏi hay bài thực hành mô phỏng nào có từ { $min } câu trả lời trở lên. Tham số cũ được giữ nguyên.
irt-refused = Không hiệu chỉnh được ({ $detail }). Tham số cũ được giữ nguyên.
cli-outbox-state = --state phải là pending, delivered hoặc dead (không phải “{ $state }”).
cli-outbox-retried = Đã đưa { $count } tin chưa gửi được về hàng đợi để gửi lại ngay.
cli-outbox-round = Đã gửi { $delivered } tin; { $failed } tin gửi chưa được, sẽ thử lại sau.
cli-counters-agree = Đã so { $compared } bộ đếm với dữ liệu gốc: tất cả khớp.
cli-counters-differ = Đã so { $compared } bộ đếm: { $differences } bộ đếm lệch so với dữ liệu gốc (liệt kê ở trên: phạm vi, nhóm, chỉ số, đang lưu, tính lại). Chưa sửa gì; chạy lại không có --check để sửa.
cli-counters-mended = Đã so { $compared } bộ đếm: đã sửa { $differences } bộ đếm lệch theo dữ liệu gốc (liệt kê ở trên).
cli-demo-learners = Đã đăng ký { $registered } học viên mẫu; { $started } người đã học trong 30 ngày qua, { $completed } người đã hoàn thành khóa học.
cli-report-written = Đã ghi báo cáo { $units } đơn vị vào { $file }.
cli-certificate-revoked = Đã thu hồi chứng chỉ { $id } (lý do: { $reason }).
