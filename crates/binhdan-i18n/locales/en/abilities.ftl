# What people can do of the simulated tasks, per unit and group (issue 21, item 5): the
# dashboards' section and the reports' sheet.
can-do-title = What people can do
can-do-help = Of the people given each task, the share who could do it on their own: at the placement test → at the certification exam. Each person counts once per task, with their best result; supervised sittings that were voided do not count.
can-do-to = to
can-do-change = { $points } points
can-do-counts = { $before_could }/{ $before_tried } people at placement · { $after_could }/{ $after_tried } at the exam
can-do-not-given = not given
report-tasks-sheet = What people can do
report-tasks-title = SHARE OF PEOPLE WHO CAN DO THE SIMULATED TASKS
report-task-level = Level
report-task-group = Group
report-task = Task
report-task-id = Task id
report-task-placement-tried = Tried at placement
report-task-placement-could = Could do at placement
report-task-placement-share = Share at placement
report-task-exam-tried = Tried at the exam
report-task-exam-could = Could do at the exam
report-task-exam-share = Share at the exam
report-task-change = Change (points)

# The administrative document's table of what people can do.
report-pdf-tasks = What people can do: the share who could do each simulated task by themselves
report-pdf-tasks-placement = At the placement test
report-pdf-tasks-exam = At the certification exam
report-pdf-tasks-note = Simulated tasks: n is the number of people given the task, each once with their best result; a share measured on fewer than 5 people is not given (–).
