//! The task format: a good task parses and runs; one broken example per rule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::LineError;

const TASK: &str = r#"id = "chuyen-tien-thu"
version = 1
competence = "2.1"
step = "CB2"
groups = ["adult", "worker"]
app = { vi = "Ngân hàng Sen", en = "Sen Bank" }
title = { vi = "Chuyển tiền", en = "Transfer money" }
goal = { vi = "Chuyển {amount} cho {payee}.", en = "Send {amount} to {payee}." }
start = "home"
done = "xong"

[params]
payee = { kind = "name" }
other = { kind = "name_like", of = "payee" }
amount = { kind = "money", min = 100000, max = 500000, step = 50000 }

[[screen]]
id = "home"
title = { vi = "Trang chủ", en = "Home" }
hint = { vi = "Chọn đúng tên.", en = "Pick the right name." }
shuffle = true

[[screen.action]]
kind = "choose"
label = { vi = "{payee}", en = "{payee}" }
to = "nhap"

[[screen.action]]
kind = "choose"
label = { vi = "{other}", en = "{other}" }
wrong = { vi = "Tên gần giống.", en = "A look-alike name." }

[[screen.action]]
kind = "tap"
label = { vi = "Mở liên kết lạ", en = "Open a strange link" }
critical = { vi = "Liên kết lừa đảo.", en = "A phishing link." }

[[screen]]
id = "nhap"
title = { vi = "Số tiền", en = "Amount" }
rows = [{ label = { vi = "Người nhận", en = "To" }, value = "{payee}" }]

[[screen.action]]
kind = "type"
label = { vi = "Chuyển", en = "Send" }
to = "xong"
fields = [{ label = { vi = "Số tiền", en = "Amount" }, expect = "{amount}", match = "digits" }]
mismatch = { vi = "Sai số tiền.", en = "Wrong amount." }

[[screen.action]]
kind = "back"
label = { vi = "Quay lại", en = "Back" }

[[screen]]
id = "xong"
title = { vi = "Đã chuyển", en = "Sent" }
"#;

fn keys(errors: &[LineError]) -> Vec<(usize, &'static str)> {
    errors.iter().map(|e| (e.line, e.msg.key)).collect()
}

fn task() -> Task {
    parse_task(TASK).unwrap().task
}

fn run(task: &Task, seed: u64, inputs: &[Input]) -> Attempt {
    let mut a = Attempt::start(task, seed);
    for input in inputs {
        let step = a.step;
        a.apply(task, step, input).unwrap();
    }
    a
}

#[test]
fn a_good_task_parses() {
    let doc = parse_task(TASK).unwrap();
    let t = &doc.task;
    assert_eq!(doc.id_line, 1);
    assert_eq!(t.screens.len(), 3);
    assert_eq!((t.start, t.done), (0, 2));
    assert_eq!(t.credit, 2);
    assert_eq!(t.groups, vec![crate::Group::Adult, crate::Group::Worker]);
    assert!(t.has_critical());
    let json = serde_json::to_string(t).unwrap();
    assert_eq!(serde_json::from_str::<Task>(&json).unwrap(), *t);
}

#[test]
fn the_solution_scores_full_credit_and_wrong_steps_cost_credit() {
    let t = task();
    for seed in 0..50 {
        let inputs = solution(&t, seed).unwrap();
        let a = run(&t, seed, &inputs);
        assert_eq!(a.status, Status::Done);
        assert_eq!(a.score(&t), Score { points: 2, max: 2 });
    }
    // The look-alike name first, then the right way: done, with a wrong step.
    let seed = 9;
    let a0 = Attempt::start(&t, seed);
    let order = a0.order(&t, 0);
    let wrong = order.iter().position(|&i| i == 1).unwrap();
    let mut inputs = vec![Input {
        position: wrong,
        typed: vec![],
    }];
    let view = run(&t, seed, &inputs).view(&t, TextLang::Vi);
    assert_eq!(view.feedback.as_deref(), Some("Tên gần giống."));
    assert_eq!(view.hint.as_deref(), Some("Chọn đúng tên."));
    inputs.extend(solution(&t, seed).unwrap());
    let a = run(&t, seed, &inputs);
    assert_eq!((a.status, a.wrong), (Status::Done, 1));
    assert_eq!(a.score(&t).points, 1);
}

#[test]
fn a_critical_error_ends_the_attempt_with_nothing() {
    let t = task();
    let inputs = way_to_critical(&t, 4, 0, 2).unwrap();
    let mut a = run(&t, 4, &inputs);
    assert_eq!(a.status, Status::Failed);
    assert_eq!(a.score(&t).points, 0);
    let view = a.view(&t, TextLang::En);
    assert_eq!(view.feedback.as_deref(), Some("A phishing link."));
    assert!(view.actions.is_empty() && view.hint.is_none());
    let before = a.clone();
    assert_eq!(
        a.apply(&t, a.step, &Input::default()),
        Err(StepError::Finished)
    );
    assert_eq!(a, before);
}

#[test]
fn typed_values_are_compared_not_kept_and_bad_steps_change_nothing() {
    let t = task();
    let seed = 11;
    let mut a = run(&t, seed, &solution(&t, seed).unwrap()[..1]);
    assert_eq!(a.screen, 1);
    let amount = a
        .drawn(&t)
        .shown("amount", TextLang::Vi)
        .unwrap()
        .to_owned();
    let before = a.clone();
    // A resubmitted earlier page, an unknown button, a form without its field.
    assert_eq!(
        a.apply(&t, 0, &Input::default()),
        Err(StepError::OutOfOrder)
    );
    assert_eq!(
        a.apply(
            &t,
            1,
            &Input {
                position: 7,
                typed: vec![]
            }
        ),
        Err(StepError::UnknownAction)
    );
    assert_eq!(a.apply(&t, 1, &Input::default()), Err(StepError::BadFields));
    let long = "9".repeat(MAX_TYPED_CHARS + 1);
    assert_eq!(
        a.apply(
            &t,
            1,
            &Input {
                position: 0,
                typed: vec![long]
            }
        ),
        Err(StepError::BadFields)
    );
    assert_eq!(a, before);
    // A wrong amount: a wrong step, same screen, the feedback.
    a.apply(
        &t,
        1,
        &Input {
            position: 0,
            typed: vec!["1".into()],
        },
    )
    .unwrap();
    assert_eq!((a.screen, a.wrong), (1, 1));
    assert_eq!(
        a.view(&t, TextLang::Vi).feedback.as_deref(),
        Some("Sai số tiền.")
    );
    let json = serde_json::to_string(&a).unwrap();
    assert!(!json.contains("\"1\""), "{json}");
    // The amount as shown ("350.000 đ") is accepted: digits are compared.
    a.apply(
        &t,
        2,
        &Input {
            position: 0,
            typed: vec![amount],
        },
    )
    .unwrap();
    assert_eq!(a.status, Status::Done);
}

#[test]
fn option_orders_differ_between_attempts() {
    let t = task();
    let orders: std::collections::HashSet<Vec<usize>> = (0..40)
        .map(|seed| Attempt::start(&t, seed).order(&t, 0))
        .collect();
    assert!(orders.len() >= 4, "{orders:?}");
    assert_eq!(Attempt::start(&t, 3).order(&t, 1), vec![0, 1]);
}

#[test]
fn going_back_returns_to_the_previous_screen() {
    let t = task();
    let mut a = run(&t, 2, &solution(&t, 2).unwrap()[..1]);
    a.apply(
        &t,
        1,
        &Input {
            position: 1,
            typed: vec![],
        },
    )
    .unwrap();
    assert_eq!((a.screen, a.wrong, a.status), (0, 0, Status::Open));
}

#[test]
fn views_fill_parameters_in_each_language() {
    let t = task();
    let a = run(&t, 5, &solution(&t, 5).unwrap()[..1]);
    let d = a.drawn(&t);
    let vi = a.view(&t, TextLang::Vi);
    let en = a.view(&t, TextLang::En);
    assert!(vi.goal.contains(d.shown("amount", TextLang::Vi).unwrap()));
    assert!(en.goal.contains(" VND to "), "{}", en.goal);
    assert_eq!(
        vi.rows,
        vec![("Người nhận".into(), d.raw("payee").unwrap().into())]
    );
    assert_eq!(vi.actions.len(), 2);
    assert_eq!(vi.actions[0].fields[0].label, "Số tiền");
}

#[test]
fn too_many_steps_fail() {
    let t = task();
    let mut a = Attempt::start(&t, 1);
    let wrong = a.order(&t, 0).iter().position(|&i| i == 1).unwrap();
    while a.status == Status::Open {
        let step = a.step;
        a.apply(
            &t,
            step,
            &Input {
                position: wrong,
                typed: vec![],
            },
        )
        .unwrap();
    }
    assert_eq!((a.status, a.step), (Status::Failed, MAX_STEPS));
    assert_eq!(a.score(&t).points, 0);
}

#[test]
fn graph_errors_name_their_lines() {
    // An unknown screen, an unreachable one and a goal no clean path reaches.
    let text = TASK.replace("to = \"nhap\"", "to = \"nhap-x\"");
    let errs = parse_task(&text).unwrap_err();
    let k = keys(&errs);
    assert!(k.contains(&(26, "content-task-screen-unknown")), "{k:?}");
    assert!(k.contains(&(10, "content-task-goal-unreachable")), "{k:?}");
    assert!(
        k.contains(&(39, "content-task-screen-unreachable")),
        "{k:?}"
    );
    assert!(
        k.contains(&(55, "content-task-screen-unreachable")),
        "{k:?}"
    );

    // The only way to the goal is a wrong step.
    let text = TASK.replace(
        "to = \"nhap\"\n",
        "to = \"nhap\"\nwrong = { vi = \"Sai.\", en = \"Wrong.\" }\n",
    );
    let k = keys(&parse_task(&text).unwrap_err());
    assert_eq!(k, vec![(10, "content-task-goal-unreachable")]);

    // A trap: only critical errors on a screen.
    let text = TASK
        .replace(
            "kind = \"back\"",
            "kind = \"tap\"\ncritical = { vi = \"X\", en = \"X\" }",
        )
        .replace(
            "kind = \"type\"",
            "kind = \"type\"\ncritical = { vi = \"Y\", en = \"Y\" }",
        )
        .replace("to = \"xong\"\nfields", "fields");
    let k = keys(&parse_task(&text).unwrap_err());
    assert!(k.contains(&(39, "content-task-screen-trap")), "{k:?}");
}

#[test]
fn texts_need_both_languages_and_parameters_must_be_declared_and_used() {
    let text = TASK
        .replace(
            "title = { vi = \"Chuyển tiền\", en = \"Transfer money\" }",
            "title = { vi = \"Chuyển tiền\" }",
        )
        .replace(
            "en = \"Send {amount} to {payee}.\"",
            "en = \"Send {amout}.\"",
        )
        .replace(
            "[params]\n",
            "[params]\nunused = { kind = \"digits\", len = 6 }\n",
        );
    let errs = parse_task(&text).unwrap_err();
    let mut k = keys(&errs);
    k.sort_unstable();
    assert_eq!(
        k,
        vec![
            (7, "content-task-text-missing"),
            (8, "content-task-param-unknown"),
            (13, "content-task-param-unused"),
        ]
    );
    let missing = errs
        .iter()
        .find(|e| e.msg.key == "content-task-text-missing")
        .unwrap();
    assert_eq!(
        missing.msg.args,
        vec![("field", "title".into()), ("lang", "en".into())]
    );
}

#[test]
fn shapes_are_checked() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "kind = \"choose\"\nlabel = { vi = \"{payee}\"",
            "kind = \"swipe\"\nlabel = { vi = \"{payee}\"",
            "content-task-action-kind-unknown",
        ),
        (
            "groups = [\"adult\", \"worker\"]",
            "groups = []",
            "content-task-groups-empty",
        ),
        (
            "groups = [\"adult\", \"worker\"]",
            "groups = [\"elderly\"]",
            "content-group-unknown",
        ),
        ("step = 50000 }", "step = 0 }", "content-task-param-invalid"),
        (
            "{ kind = \"name\" }",
            "{ kind = \"person\" }",
            "content-task-param-kind-unknown",
        ),
        (
            "match = \"digits\"",
            "match = \"exact\"",
            "content-task-match-unknown",
        ),
        (
            "mismatch = { vi = \"Sai số tiền.\", en = \"Wrong amount.\" }\n",
            "",
            "content-task-mismatch-missing",
        ),
        (
            "id = \"xong\"\ntitle = { vi = \"Đã chuyển\", en = \"Sent\" }\n",
            "id = \"xong\"\ntitle = { vi = \"Đã chuyển\", en = \"Sent\" }\n[[screen.action]]\nkind = \"back\"\nlabel = { vi = \"a\", en = \"a\" }\n",
            "content-task-goal-actions",
        ),
        (
            "critical = { vi = \"Liên kết lừa đảo.\", en = \"A phishing link.\" }",
            "critical = { vi = \"L\", en = \"L\" }\nto = \"home\"",
            "content-task-critical-to",
        ),
        (
            "version = 1",
            "version = 1\ncredit = 9",
            "content-task-credit-range",
        ),
        (
            "id = \"nhap\"",
            "id = \"home\"",
            "content-task-screen-duplicate",
        ),
    ];
    for (from, to, key) in cases {
        assert_eq!(TASK.matches(from).count(), 1, "{from}");
        let text = TASK.replace(from, to);
        let errs = parse_task(&text).unwrap_err();
        assert!(
            errs.iter().any(|e| e.msg.key == *key),
            "{key}: {:?}",
            keys(&errs)
        );
    }
}

mod no_panic {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn broken_task_files_never_panic_and_errors_point_inside(
            drop in proptest::collection::vec(0usize..80, 0..6),
            extra in "\\PC{0,40}",
            at in 0usize..80,
        ) {
            let mut lines: Vec<&str> = TASK.lines().collect();
            for d in drop {
                if d < lines.len() {
                    lines.remove(d);
                }
            }
            lines.insert(at.min(lines.len()), &extra);
            let text = lines.join("\n");
            if let Err(errors) = parse_task(&text) {
                let n = text.split('\n').count().max(1);
                for e in errors {
                    prop_assert!(e.line <= n, "{e:?} in {n} lines");
                }
            }
        }

        #[test]
        fn random_steps_never_panic_and_refusals_change_nothing(
            seed in any::<u64>(),
            steps in proptest::collection::vec(
                (0usize..5, 0u32..3, proptest::collection::vec("\\PC{0,12}", 0..3)),
                0..40,
            ),
        ) {
            let t = task();
            let mut a = Attempt::start(&t, seed);
            for (position, skew, typed) in steps {
                let before = a.clone();
                let step = if skew == 0 { a.step } else { a.step + skew };
                let _ = a.view(&t, TextLang::Vi);
                if a.apply(&t, step, &Input { position, typed }).is_err() {
                    prop_assert_eq!(&a, &before);
                } else {
                    prop_assert_eq!(a.step, before.step + 1);
                }
                let score = a.score(&t);
                prop_assert!(score.points <= score.max);
                prop_assert!(a.status == Status::Done || score.points == 0);
            }
        }
    }
}
