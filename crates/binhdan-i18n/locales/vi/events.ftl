## Live events with bridge points (điểm cầu)

event-list-title = Sự kiện trực tuyến và điểm cầu
event-none = Chưa có sự kiện nào.
event-not-found = Không tìm thấy sự kiện này.
point-not-found = Không tìm thấy điểm cầu này.
point-not-yours = Bạn không chủ trì điểm cầu này. Chỉ người chủ trì điểm cầu (hoặc cán bộ tổ chức sự kiện) mới được điểm danh tại đây.
event-kind-ceremony = Lễ phát động
event-kind-class = Lớp học trực tuyến
event-col-event = Sự kiện
event-col-window = Thời gian
event-col-unit = Đơn vị
event-col-points = Số điểm cầu
event-host-open = Mở trang điểm danh
event-create-title = Tạo sự kiện mới
event-field-title = Tên sự kiện
event-field-kind = Loại sự kiện
event-field-unit = Mã đơn vị tổ chức (tỉnh hoặc xã)
event-field-starts = Bắt đầu (giờ Việt Nam)
event-field-ends = Kết thúc (giờ Việt Nam)
event-field-link = Đường dẫn xem trực tuyến (không bắt buộc)
event-create = Tạo sự kiện
event-unit-unknown = Không có đơn vị mang mã “{ $value }”. Hãy nhập mã tỉnh hoặc mã xã, ví dụ 38 hoặc 16591.
event-totals = Đã có { $participants } người tham dự trên { $expected } người dự kiến; { $connected }/{ $points } điểm cầu đã kết nối.
event-live-open = Màn hình trực tiếp
event-report-xlsx = Tải báo cáo (Excel)
event-report-csv = Tải báo cáo (CSV)
event-watch = Xem trực tuyến
event-points-title = Các điểm cầu
event-points-none = Sự kiện chưa có điểm cầu nào.
event-col-point = Điểm cầu
event-col-host = Người chủ trì
event-col-expected = Dự kiến
event-col-participants = Tham dự
event-col-connected = Kết nối
event-col-commune = Xã, phường
event-col-connected-points = Điểm cầu đã kết nối
event-col-unit-code = Mã đơn vị
event-col-checked-in = Điểm danh từng người
event-col-headcount = Không có giấy tờ (đếm số)
event-col-share = Tỷ lệ so với dự kiến
event-col-group = Nhóm
event-total = Tổng cộng
event-connected-yes = Đã kết nối
event-connected-no = Chưa kết nối
point-add-title = Thêm điểm cầu
point-field-name = Tên điểm cầu
point-field-unit = Mã xã hoặc mã thôn, bản, tổ dân phố
point-field-host = Tài khoản người chủ trì
point-field-expected = Số người dự kiến
point-add = Thêm điểm cầu
point-import-title = Thêm nhiều điểm cầu từ tệp
point-import-help = Tệp CSV hoặc Excel có các cột: Tên điểm cầu, Mã đơn vị, Tài khoản chủ trì, Số người dự kiến. Nếu có dòng sai, không điểm cầu nào được thêm và trang sẽ chỉ rõ dòng, cột cần sửa.
point-import-file = Chọn tệp
point-import = Tải lên và thêm
point-added = Đã thêm { $count } điểm cầu.
point-name-invalid = Tên điểm cầu phải có từ 1 đến { $max } ký tự.
point-name-taken = Sự kiện đã có điểm cầu tên “{ $name }”.
point-name-repeated = Tên điểm cầu “{ $name }” trùng với dòng { $first_row }.
point-expected-invalid = Số người dự kiến “{ $value }” không hợp lệ: hãy nhập một số nguyên từ 0 đến { $max }.
point-host-unknown = Không có tài khoản cán bộ “{ $username }” (hoặc tài khoản đã bị khóa).
point-unit-unknown = Không có đơn vị mang mã { $code }.
point-unit-outside = Đơn vị { $code } không thuộc { $event_unit }, nơi tổ chức sự kiện.
point-host-cannot-check-in = Tài khoản “{ $username }” không có quyền điểm danh tại { $unit }. Hãy chọn cán bộ phụ trách nơi đó.
event-title-empty = Chưa nhập tên sự kiện.
event-title-too-long = Tên sự kiện dài quá { $max } ký tự.
event-kind-unknown = Hãy chọn loại sự kiện: lễ phát động hoặc lớp học trực tuyến.
event-time-invalid = { $field ->
    [starts] Thời điểm bắt đầu
   *[ends] Thời điểm kết thúc
} “{ $value }” không hợp lệ. Hãy nhập theo dạng 27/11/2026 08:00.
event-ends-before-start = Thời điểm kết thúc phải sau thời điểm bắt đầu.
event-too-long = Một sự kiện kéo dài tối đa 7 ngày.
event-in-the-past = Sự kiện này đã kết thúc trong quá khứ. Hãy kiểm tra lại ngày giờ.
event-link-invalid = Đường dẫn xem trực tuyến phải bắt đầu bằng https:// (hoặc http://) và không có khoảng trắng.

event-change-title = Sửa thông tin sự kiện
event-change = Lưu thay đổi
event-changed = Đã lưu thông tin sự kiện.
point-change-title = Sửa điểm cầu (tên, đơn vị, người chủ trì, số dự kiến)
point-change = Lưu điểm cầu
point-changed = Đã lưu điểm cầu; mã QR và số liệu giữ nguyên.

## The host's page

host-qr-title = Mã QR để người dân tự điểm danh
host-qr-help = Người dự quét mã này bằng điện thoại, đăng nhập VNeID rồi bấm “Tôi có mặt”.
host-recent-title = Điểm danh gần đây
host-recent-none = Chưa có ai điểm danh tại điểm cầu này.
host-offline = Đang mất mạng: sẽ tự gửi khi có mạng trở lại.
host-queued = Còn %n lượt đang chờ gửi.
host-batch-refused = Máy chủ từ chối một lần gửi (dữ liệu không hợp lệ); các lượt trong lần gửi đó đã được bỏ ra để những lượt khác không bị chặn. Hãy nhập lại nếu cần.
host-sent = Đã gửi hết, không còn lượt nào chờ.
host-signin-again = Phiên đăng nhập đã hết hạn. Các lượt chưa gửi vẫn được giữ trên máy này: hãy đăng nhập lại rồi mở lại trang này để gửi tiếp.
checkin-field = Số CCCD, số điện thoại hoặc họ tên
checkin-hint = Nhập một trong ba thông tin rồi bấm Điểm danh. Người không có giấy tờ: nhập tổng số người ở ô bên dưới.
checkin-submit = Điểm danh
headcount-field = Số người tham dự không có giấy tờ (tổng số tại điểm cầu)
headcount-submit = Cập nhật số người
point-figures = Đã điểm danh { $checked_in } người, cộng { $headcount } người không có giấy tờ; dự kiến { $expected } người.
checkin-done = Đã điểm danh: { $name }.
checkin-done-guest = Đã điểm danh: { $name } — không có trong danh sách người dân nên được tính là khách mời.
checkin-already = { $name } đã điểm danh rồi (tại { $point }, lúc { $at }); không tính thêm lần nữa.
headcount-done = Đã ghi nhận { $count } người không có giấy tờ.
headcount-kept = Số { $count } người không có giấy tờ đã được ghi nhận (hoặc đã có số đếm mới hơn); giữ số mới nhất.
headcount-invalid = Số người phải là số nguyên từ 0 đến { $max }.
checkin-batch-too-large = Mỗi lần gửi tối đa { $max } lượt điểm danh.
checkin-via-qr = tự quét mã QR
checkin-via-cccd = theo số CCCD
checkin-via-phone = theo số điện thoại
checkin-via-name = theo họ tên
checkin-identity-empty = Chưa nhập số CCCD, số điện thoại hay họ tên.
checkin-identity-malformed = Số vừa nhập có { $digits } chữ số: không phải số CCCD (12 chữ số) cũng không phải số điện thoại di động (10 chữ số). Hãy kiểm tra lại.
checkin-identity-mixed = Nội dung vừa nhập lẫn cả chữ và số. Hãy nhập riêng số CCCD, số điện thoại hoặc họ tên.
checkin-name-invalid = Họ tên phải có từ 2 đến 80 ký tự.
checkin-phone-shared = Có nhiều người dùng chung số điện thoại này. Hãy điểm danh bằng số CCCD hoặc họ tên.
checkin-name-ambiguous = Có { $count } người tên “{ $name }” ở đây. Hãy điểm danh bằng số CCCD hoặc số điện thoại.
checkin-not-open = Sự kiện chưa bắt đầu: điểm danh mở lúc { $opens }.
checkin-closed = Sự kiện đã kết thúc lúc { $closed }: không nhận điểm danh nữa.

## The participant's QR page

checkin-self-help = Bấm nút dưới đây để xác nhận bạn đang có mặt tại điểm cầu này.
checkin-self-submit = Tôi có mặt
checkin-self-done = Đã ghi nhận bạn có mặt tại { $point }. Cảm ơn bạn!
checkin-self-already = Bạn đã điểm danh rồi (tại { $point }, lúc { $at }).

## The live screen

event-live-title = Trực tiếp: { $title }
live-connecting = Đang kết nối…
live-on = Đang cập nhật trực tiếp
live-lost = Mất kết nối, đang thử lại…
live-participants = người tham dự
live-expected = dự kiến
live-points-connected = điểm cầu đã kết nối
live-by-group = Theo nhóm đối tượng
live-bar = Đã điểm danh so với dự kiến
live-by-commune = Theo xã, phường
event-group-guest = Chưa có trong danh sách
event-group-headcount = Không có giấy tờ (đếm số)
event-group-other = Trong danh sách, ngoài các nhóm

## The dashboards

dash-participated = Đã tham dự sự kiện hoặc lớp học (có điểm danh)

## The report

event-report-title = Báo cáo sự kiện: { $title }
event-report-window = Thời gian: { $starts } – { $ends } · Đơn vị tổ chức: { $unit }
event-report-made = Lập lúc { $at }
event-report-sheet-points = Theo điểm cầu
event-report-sheet-communes = Theo xã
event-report-sheet-groups = Theo nhóm
