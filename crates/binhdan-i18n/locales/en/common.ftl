## Shared words and the campaign's targets

app-name = Bình Dân
app-tagline = Digital literacy for all — every citizen with digital skills
group-public-servant = Public servants
group-student = Students
group-adult = Adults
group-worker = Enterprise and cooperative workers
kpi-k1 = 100% of public servants and public-sector employees have digital knowledge and skills
kpi-k2 = 100% of students from primary school up have digital skills and online safety
kpi-k3 = 100% of adults have basic digital knowledge and skills
kpi-k4 = 80% of adults certified for universal digital knowledge on VNeID
kpi-k5 = 100% of enterprise and cooperative workers have basic digital skills
level-province = Provinces and cities
level-commune = Communes, wards and special zones
level-village = Villages and residential groups
