## Live events with bridge points (điểm cầu)

event-list-title = Live events and bridge points
event-none = No events yet.
event-not-found = No such event.
point-not-found = No such bridge point.
point-not-yours = You do not host this bridge point. Only its host (or the event's organisers) may check people in here.
event-kind-ceremony = Launch ceremony
event-kind-class = Online class
event-col-event = Event
event-col-window = When
event-col-unit = Unit
event-col-points = Bridge points
event-host-open = Open the check-in page
event-create-title = Create an event
event-field-title = Event name
event-field-kind = Kind of event
event-field-unit = Organising unit's code (province or commune)
event-field-starts = Starts (Vietnam time)
event-field-ends = Ends (Vietnam time)
event-field-link = Broadcast link (optional)
event-create = Create the event
event-unit-unknown = There is no unit with code “{ $value }”. Enter a province or commune code, such as 38 or 16591.
event-totals = { $participants } participants of { $expected } expected; { $connected }/{ $points } bridge points connected.
event-live-open = Live screen
event-report-xlsx = Download the report (Excel)
event-report-csv = Download the report (CSV)
event-watch = Watch the broadcast
event-points-title = Bridge points
event-points-none = The event has no bridge points yet.
event-col-point = Bridge point
event-col-host = Host
event-col-expected = Expected
event-col-participants = Participants
event-col-connected = Connected
event-col-commune = Commune
event-col-connected-points = Points connected
event-col-unit-code = Unit code
event-col-checked-in = Checked in one by one
event-col-headcount = Without ID (headcount)
event-col-share = Share of expected
event-col-group = Group
event-total = Total
event-connected-yes = Connected
event-connected-no = Not yet
point-add-title = Add a bridge point
point-field-name = Bridge point name
point-field-unit = Commune or village code
point-field-host = Host's account
point-field-expected = Expected headcount
point-add = Add the bridge point
point-import-title = Add bridge points from a file
point-import-help = A CSV or Excel file with the columns: point name, unit code, host account, expected headcount. If any row is wrong, no point is added and the page names the row and column to fix.
point-import-file = Choose a file
point-import = Upload and add
point-added = Added { $count } bridge point(s).
point-name-invalid = A bridge point's name has 1 to { $max } characters.
point-name-taken = The event already has a bridge point named “{ $name }”.
point-name-repeated = The bridge point name “{ $name }” repeats row { $first_row }.
point-expected-invalid = The expected headcount “{ $value }” is not valid: enter a whole number from 0 to { $max }.
point-host-unknown = There is no staff account “{ $username }” (or it is disabled).
point-unit-unknown = There is no unit with code { $code }.
point-unit-outside = Unit { $code } is not within { $event_unit }, where the event is organised.
point-host-cannot-check-in = The account “{ $username }” may not check people in at { $unit }. Choose staff who work there.
event-title-empty = The event has no name.
event-title-too-long = The event's name is longer than { $max } characters.
event-kind-unknown = Choose the kind of event: a launch ceremony or an online class.
event-time-invalid = { $field ->
    [starts] The start
   *[ends] The end
} “{ $value }” is not a valid time. Enter it as 27/11/2026 08:00.
event-ends-before-start = The end must come after the start.
event-too-long = An event lasts at most 7 days.
event-in-the-past = This event would already be over. Check the dates and times.
event-link-invalid = The broadcast link must start with https:// (or http://) and contain no spaces.

event-change-title = Change the event
event-change = Save the changes
event-changed = The event is saved.
point-change-title = Change the bridge point (name, unit, host, expected headcount)
point-change = Save the bridge point
point-changed = The bridge point is saved; its QR code and figures stay.

## The host's page

host-qr-title = QR code for participants to check themselves in
host-qr-help = Participants scan this code with their phone, sign in with VNeID and press “I am here”.
host-recent-title = Recent check-ins
host-recent-none = Nobody has checked in at this point yet.
host-offline = Offline: they will be sent when the network returns.
host-queued = %n check-in(s) waiting to be sent.
host-batch-refused = The server refused one send as invalid; its entries were set aside so the others are not blocked. Enter them again if needed.
host-sent = All sent; nothing is waiting.
host-signin-again = Your session has expired. Unsent check-ins stay on this device: sign in again and reopen this page to send them.
checkin-field = CCCD number, phone number or full name
checkin-hint = Enter one of the three and press Check in. For people without ID, enter their total in the field below.
checkin-submit = Check in
headcount-field = Participants without ID (the total at this point)
headcount-submit = Update the headcount
point-figures = { $checked_in } checked in, plus { $headcount } without ID; { $expected } expected.
checkin-done = Checked in: { $name }.
checkin-done-guest = Checked in: { $name } — not on the residents' list, so counted as a guest.
checkin-already = { $name } is already checked in (at { $point }, at { $at }); not counted again.
headcount-done = Recorded { $count } participants without ID.
headcount-kept = The count of { $count } without ID was already recorded (or a newer count is in); the newest is kept.
headcount-invalid = The headcount must be a whole number from 0 to { $max }.
checkin-batch-too-large = At most { $max } check-ins per request.
checkin-via-qr = scanned the QR code
checkin-via-cccd = by CCCD
checkin-via-phone = by phone
checkin-via-name = by name
checkin-identity-empty = Enter a CCCD number, a phone number or a full name.
checkin-identity-malformed = The number entered has { $digits } digits: neither a CCCD (12 digits) nor a mobile number (10 digits). Please check it.
checkin-identity-mixed = The entry mixes letters and digits. Enter a CCCD number, a phone number or a name on its own.
checkin-name-invalid = A name has 2 to 80 characters.
checkin-phone-shared = Several people share this phone number. Check them in by CCCD or by name.
checkin-name-ambiguous = There are { $count } people named “{ $name }” here. Check them in by CCCD or phone number.
checkin-not-open = The event has not started: check-in opens at { $opens }.
checkin-closed = The event ended at { $closed }: check-ins are closed.

## The participant's QR page

checkin-self-help = Press the button below to confirm that you are at this bridge point.
checkin-self-submit = I am here
checkin-self-done = You are checked in at { $point }. Thank you!
checkin-self-already = You are already checked in (at { $point }, at { $at }).

## The live screen

event-live-title = Live: { $title }
live-connecting = Connecting…
live-on = Updating live
live-lost = Connection lost, retrying…
live-participants = participants
live-expected = expected
live-points-connected = bridge points connected
live-by-group = By group
live-bar = Checked in against expected
live-by-commune = By commune
event-group-guest = Not on the registry
event-group-headcount = Without ID (headcount)
event-group-other = On the registry, in no group

## The dashboards

dash-participated = Came to a live event or a class (checked in)

## The report

event-report-title = Event report: { $title }
event-report-window = When: { $starts } – { $ends } · Organised by: { $unit }
event-report-made = Made at { $at }
event-report-sheet-points = By bridge point
event-report-sheet-communes = By commune
event-report-sheet-groups = By group
