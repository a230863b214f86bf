## The command line

cli-migrated = Cơ sở dữ liệu đã sẵn sàng ({ $units } đơn vị hành chính mới được nạp).
cli-demo-built = Đã tạo tỉnh trình diễn: { $communes } xã, phường; { $villages } thôn, bản, tổ dân phố; { $adults } người trưởng thành.
