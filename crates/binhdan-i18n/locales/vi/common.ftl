## Shared words and the campaign's targets

app-name = Bình Dân
app-tagline = Bình dân học vụ số — mỗi người dân đều có kỹ năng số
group-public-servant = Cán bộ, công chức, viên chức
group-student = Học sinh
group-adult = Người trưởng thành
group-worker = Người lao động doanh nghiệp, hợp tác xã
kpi-k1 = 100% cán bộ, công chức, viên chức, người lao động khu vực công có kiến thức, kỹ năng số
kpi-k2 = 100% học sinh từ tiểu học trở lên được trang bị kỹ năng số và an toàn trên mạng
kpi-k3 = 100% người trưởng thành có kiến thức, kỹ năng số cơ bản
kpi-k4 = 80% người trưởng thành được chứng nhận phổ cập tri thức số trên VNeID
kpi-k5 = 100% người lao động doanh nghiệp, hợp tác xã có kỹ năng số cơ bản
level-province = Tỉnh, thành phố
level-commune = Xã, phường, đặc khu
level-village = Thôn, bản, tổ dân phố
