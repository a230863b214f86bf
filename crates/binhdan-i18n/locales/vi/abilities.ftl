# What people can do of the simulated tasks, per unit and group (issue 21, item 5): the
# dashboards' section and the reports' sheet.
can-do-title = Làm được việc gì
can-do-help = Trong số người được giao mỗi việc, tỷ lệ người tự làm được: ở bài kiểm tra đầu vào → ở bài thi cấp chứng chỉ. Mỗi người tính một lần cho mỗi việc, theo kết quả tốt nhất; các bài thi có hỗ trợ đã bị hủy không tính.
can-do-to = đến
can-do-change = { $points } điểm %
can-do-counts = { $before_could }/{ $before_tried } người ở đầu vào · { $after_could }/{ $after_tried } người ở bài thi
can-do-not-given = chưa giao
report-tasks-sheet = Làm được việc gì
report-tasks-title = TỶ LỆ NGƯỜI LÀM ĐƯỢC CÁC VIỆC MÔ PHỎNG
report-task-level = Cấp
report-task-group = Nhóm
report-task = Việc
report-task-id = Mã việc
report-task-placement-tried = Số người thử ở đầu vào
report-task-placement-could = Số người làm được ở đầu vào
report-task-placement-share = Tỷ lệ làm được ở đầu vào
report-task-exam-tried = Số người thử ở bài thi
report-task-exam-could = Số người làm được ở bài thi
report-task-exam-share = Tỷ lệ làm được ở bài thi
report-task-change = Thay đổi (điểm %)

# The administrative document's table of what people can do.
report-pdf-tasks = Làm được việc gì: tỷ lệ người tự làm được mỗi việc mô phỏng
report-pdf-tasks-placement = Ở bài kiểm tra đầu vào
report-pdf-tasks-exam = Ở bài thi cấp chứng chỉ
report-pdf-tasks-note = Việc mô phỏng: n là số người được giao việc, mỗi người một lần theo kết quả tốt nhất; tỷ lệ đo trên dưới 5 người không nêu (–).
