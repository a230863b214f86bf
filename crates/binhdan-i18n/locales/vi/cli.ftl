## The command line

cli-migrated = Cơ sở dữ liệu đã sẵn sàng ({ $units } đơn vị hành chính mới được nạp).
cli-demo-built = Đã tạo tỉnh trình diễn: { $communes } xã, phường; { $villages } thôn, bản, tổ dân phố; { $adults } người trưởng thành.
cli-content-ok = Nội dung hợp lệ: { $courses } khóa học, { $lessons } bài học, { $items } câu hỏi.
cli-content-invalid = Nội dung có { $count } lỗi; chưa nạp gì.
cli-content-loaded = Đã nạp { $courses } khóa học: { $added } bài mới, { $changed } bài sửa, { $retired } bài ngừng dùng; { $items_added } câu hỏi mới, { $items_changed } câu hỏi sửa.
cli-population-done = Đã nhập { $figures } số liệu dân số (tổng { $people } người).
