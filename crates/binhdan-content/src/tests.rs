//! One broken example per rule: the right error at the right line.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// `(line, key)` of each error.
fn keys(errors: &[LineError]) -> Vec<(usize, &'static str)> {
    errors.iter().map(|e| (e.line, e.msg.key)).collect()
}

fn arg<'a>(e: &'a LineError, name: &str) -> &'a str {
    e.msg
        .args
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, v)| v.as_str())
}

const COURSE: &str = r#"id = "cong-dan"
version = 1
group = "adult"
title = "Kỹ năng số cho mọi người dân"
summary = "Dành cho mọi người."
modules = ["01-a", "02-b", "03-c", "04-d", "05-e"]
"#;

#[test]
fn a_good_course_parses_with_lines() {
    let doc = parse_course(COURSE).unwrap();
    assert_eq!(doc.course.id, "cong-dan");
    assert_eq!(doc.course.group, Group::Adult);
    assert_eq!(doc.id_line, 1);
    assert_eq!(doc.modules_line, 6);
    assert_eq!(
        doc.module_dirs[4],
        Located {
            value: "05-e".into(),
            line: 6
        }
    );
}

#[test]
fn toml_syntax_errors_name_the_line() {
    let text = COURSE.replace("version = 1", "version = = 1");
    let errs = parse_course(&text).unwrap_err();
    assert_eq!(keys(&errs), vec![(2, "content-toml-syntax")]);
}

#[test]
fn missing_and_unknown_fields_are_named() {
    let text = COURSE.replace("summary = \"Dành cho mọi người.\"\n", "");
    let errs = parse_course(&text).unwrap_err();
    assert_eq!(errs[0].msg.key, "content-field-missing");
    assert_eq!(arg(&errs[0], "field"), "summary");

    let text = COURSE.replace("group = \"adult\"", "group = \"adult\"\ngroupe = \"x\"");
    let errs = parse_course(&text).unwrap_err();
    assert_eq!(keys(&errs), vec![(4, "content-field-unknown")]);
    assert_eq!(arg(&errs[0], "field"), "groupe");

    let text = COURSE.replace("version = 1", "version = \"một\"");
    assert_eq!(
        keys(&parse_course(&text).unwrap_err()),
        vec![(2, "content-field-type")]
    );
}

#[test]
fn course_values_are_checked_all_at_once() {
    let text = COURSE
        .replace("\"cong-dan\"", "\"Công-Dân\"")
        .replace("version = 1", "version = 0")
        .replace("\"adult\"", "\"elderly\"")
        .replace("title = \"Kỹ năng số cho mọi người dân\"", "title = \"  \"")
        .replace(", \"05-e\"]", ", \"04-d\"]");
    let errs = parse_course(&text).unwrap_err();
    assert_eq!(
        keys(&errs),
        vec![
            (1, "content-id-invalid"),
            (2, "content-version-invalid"),
            (3, "content-group-unknown"),
            (4, "content-text-empty"),
            (6, "content-list-duplicate"),
        ]
    );
}

#[test]
fn a_course_has_five_to_eight_modules() {
    let text = COURSE.replace(", \"05-e\"", "");
    let errs = parse_course(&text).unwrap_err();
    assert_eq!(keys(&errs), vec![(6, "content-modules-count")]);
    assert_eq!(arg(&errs[0], "count"), "4");
    let nine = r#"["1", "2", "3", "4", "5", "6", "7", "8", "9"]"#;
    let text = COURSE.replace(r#"["01-a", "02-b", "03-c", "04-d", "05-e"]"#, nine);
    assert_eq!(
        keys(&parse_course(&text).unwrap_err()),
        vec![(6, "content-modules-count")]
    );
}

const MODULE: &str = r#"id = "cong-dan.dien-thoai"
title = "Làm quen với điện thoại"
summary = "Bật, tắt, sạc."
lessons = ["01-a.md", "02-b.md"]
quiz = ["cd-001", "cd-002", "cd-003", "cd-004"]
"#;

#[test]
fn module_ids_start_with_the_course_id() {
    let doc = parse_module(MODULE, Some("cong-dan")).unwrap();
    assert_eq!(doc.module.quiz.len(), 4);
    assert_eq!(
        doc.lesson_files[1],
        Located {
            value: "02-b.md".into(),
            line: 4
        }
    );
    let errs = parse_module(MODULE, Some("can-bo")).unwrap_err();
    assert_eq!(keys(&errs), vec![(1, "content-id-prefix")]);
    assert_eq!(arg(&errs[0], "prefix"), "can-bo.");
    let text = MODULE.replace("cong-dan.dien-thoai", "dien-thoai");
    assert_eq!(
        keys(&parse_module(&text, Some("cong-dan")).unwrap_err()),
        vec![(1, "content-id-invalid")]
    );
    let text = MODULE.replace("cong-dan.dien-thoai", "cong-dan.Dien_Thoai");
    assert_eq!(
        keys(&parse_module(&text, Some("cong-dan")).unwrap_err()),
        vec![(1, "content-id-invalid")]
    );
}

#[test]
fn a_module_quiz_has_four_to_ten_items_and_some_lessons() {
    let text = MODULE
        .replace(", \"cd-004\"", "")
        .replace(r#"["01-a.md", "02-b.md"]"#, "[]");
    let errs = parse_module(&text, None).unwrap_err();
    assert_eq!(
        keys(&errs),
        vec![(4, "content-lessons-empty"), (5, "content-quiz-count")]
    );
}

const LESSON: &str = r#"+++
id = "cong-dan.dien-thoai.bat-tat"
title = "Bật, tắt và sạc điện thoại"
competence = "1.1"
step = "CB1"
minutes = 4
+++

## Bật máy

1. Nhấn giữ nút nguồn.

![Nút nguồn ở cạnh phải](../images/nut-nguon.svg)
"#;

#[test]
fn a_good_lesson_parses() {
    let doc = parse_lesson(LESSON, Some("cong-dan.dien-thoai")).unwrap();
    assert_eq!(doc.lesson.step, Step::Cb1);
    assert_eq!(doc.lesson.minutes, 4);
    assert_eq!(doc.lesson.module_id, "cong-dan.dien-thoai");
    assert_eq!(doc.id_line, 2);
    assert!(doc.lesson.markdown.starts_with("\n## Bật máy"));
    assert_eq!(
        doc.images,
        vec![MarkdownImage {
            src: "../images/nut-nguon.svg".into(),
            alt: "Nút nguồn ở cạnh phải".into(),
            line: 13
        }]
    );
}

#[test]
fn a_lesson_may_have_an_english_title_but_not_a_blank_one() {
    assert_eq!(parse_lesson(LESSON, None).unwrap().lesson.title_en, None);
    let with = LESSON.replace(
        "competence = \"1.1\"",
        "title_en = \"Turning the phone on and off\"\ncompetence = \"1.1\"",
    );
    assert_eq!(
        parse_lesson(&with, None)
            .unwrap()
            .lesson
            .title_en
            .as_deref(),
        Some("Turning the phone on and off")
    );
    let blank = LESSON.replace(
        "competence = \"1.1\"",
        "title_en = \" \"\ncompetence = \"1.1\"",
    );
    let errs = parse_lesson(&blank, None).unwrap_err();
    assert_eq!(keys(&errs), vec![(4, "content-text-empty")]);
}

#[test]
fn lesson_text_is_stored_in_nfc() {
    use unicode_normalization::UnicodeNormalization;
    let nfd: String = LESSON.nfd().collect();
    let doc = parse_lesson(&nfd, None).unwrap();
    assert_eq!(doc.lesson.title, "Bật, tắt và sạc điện thoại");
    assert!(doc.lesson.markdown.contains("Nhấn giữ nút nguồn."));
    let nfd: String = ITEMS.nfd().collect();
    let items = parse_items(&nfd).unwrap();
    assert_eq!(items[0].item.stem, "Muốn bật điện thoại, bạn làm gì?");
    assert_eq!(
        items[4].item.options[0],
        ItemOption::Image {
            path: "items/images/cd-a.svg".into(),
            alt: "Tin nhắn có đường link lạ".into()
        }
    );
}

#[test]
fn lesson_front_matter_rules() {
    assert_eq!(
        keys(&parse_lesson("## Hi\n", None).unwrap_err()),
        vec![(1, "content-front-matter-missing")]
    );
    let unclosed = LESSON.replacen("+++\n\n", "\n", 1);
    assert_eq!(
        keys(&parse_lesson(&unclosed, None).unwrap_err()),
        vec![(1, "content-front-matter-unclosed")]
    );
    let text = LESSON
        .replace("\"1.1\"", "\"1\"")
        .replace("\"CB1\"", "\"CB3\"")
        .replace("minutes = 4", "minutes = 20");
    let errs = parse_lesson(&text, Some("cong-dan.dien-thoai")).unwrap_err();
    assert_eq!(
        keys(&errs),
        vec![
            (4, "content-competence-unknown"),
            (5, "content-step-unknown"),
            (6, "content-minutes-range")
        ]
    );
    let errs = parse_lesson(LESSON, Some("cong-dan.vneid")).unwrap_err();
    assert_eq!(keys(&errs), vec![(2, "content-id-prefix")]);
    let text = LESSON.replace("minutes = 4", "minutes = 4\nlevel = 1");
    assert_eq!(
        keys(&parse_lesson(&text, None).unwrap_err()),
        vec![(7, "content-field-unknown")]
    );
    let text = LESSON.replace("minutes = 4", "minutes = 4 4");
    assert_eq!(
        keys(&parse_lesson(&text, None).unwrap_err()),
        vec![(6, "content-toml-syntax")]
    );
}

#[test]
fn lesson_markdown_rules_report_file_lines() {
    let text = format!(
        "{LESSON}\n<b>đậm</b>\n\n[Cổng](http://dichvucong.gov.vn)\n\n# Lớn\n\n![](../images/a.svg)\n\n![Ảnh](a.png)\n"
    );
    let errs = parse_lesson(&text, None).unwrap_err();
    assert_eq!(
        keys(&errs),
        vec![
            (15, "content-markdown-raw-html"),
            (17, "content-link-not-https"),
            (19, "content-markdown-heading"),
            (21, "content-image-alt-missing"),
            (23, "content-image-not-svg"),
        ]
    );
}

const ITEMS: &str = r#"[[item]]
id = "cd-001"
kind = "single"
competence = "1.1"
step = "CB1"
stem = "Muốn bật điện thoại, bạn làm gì?"
options = ["Nhấn giữ nút nguồn", "Lắc máy", "Cắm tai nghe"]
answer = [0]
explanation = "Nhấn giữ nút nguồn vài giây."

[[item]]
id = "cd-002"
kind = "multiple"
competence = "4.2"
step = "CB2"
stem = "Chọn tất cả việc không nên làm."
options = ["Đọc mã OTP cho người lạ", "Bấm vào đường link lạ", "Gọi tổng đài in sau thẻ"]
answer = [1, 0]
explanation = "Không đưa OTP, không bấm link lạ."

[[item]]
id = "cd-003"
kind = "true_false"
competence = "4.2"
step = "CB1"
stem = "Công an không bao giờ hỏi mã OTP qua điện thoại."
answer = true
explanation = "Đúng vậy."

[[item]]
id = "cd-004"
kind = "ordering"
competence = "2.1"
step = "CB2"
stem = "Sắp xếp các bước trả tiền bằng mã QR."
options = ["Mở ứng dụng ngân hàng", "Quét mã QR", "Kiểm tra tên người nhận", "Xác nhận"]
explanation = "Luôn kiểm tra tên trước khi xác nhận."

[[item]]
id = "cd-005"
kind = "image"
competence = "4.2"
step = "CB1"
stem = "Hình nào là tin nhắn lừa đảo?"
options = [{ image = "images/cd-a.svg", alt = "Tin nhắn có đường link lạ" }, { image = "images/cd-b.svg", alt = "Tin nhắn của người thân" }]
answer = [0]
explanation = "Tin nhắn có đường link lạ là dấu hiệu lừa đảo."
"#;

/// The 1-based line of the `n`th (from 1) occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str, n: usize) -> usize {
    let (offset, _) = text.match_indices(needle).nth(n - 1).unwrap();
    text[..offset].matches('\n').count() + 1
}

#[test]
fn every_kind_parses_to_its_answer() {
    let docs = parse_items(ITEMS).unwrap();
    let answers: Vec<_> = docs.iter().map(|d| d.item.answer.clone()).collect();
    assert_eq!(
        answers,
        vec![
            Answer::One(0),
            Answer::Many(vec![0, 1]),
            Answer::Bool(true),
            Answer::InOrder,
            Answer::One(0)
        ]
    );
    assert_eq!(
        docs[4].item.options[1],
        ItemOption::Image {
            path: "items/images/cd-b.svg".into(),
            alt: "Tin nhắn của người thân".into()
        }
    );
    assert_eq!(docs[2].line, line_of(ITEMS, "cd-003", 1));
    assert!(docs[2].item.options.is_empty());
}

fn item_errors(from: &str, to: &str) -> Vec<(usize, &'static str)> {
    let text = ITEMS.replacen(from, to, 1);
    assert_ne!(text, ITEMS, "{from}");
    keys(&parse_items(&text).unwrap_err())
}

#[test]
fn single_choice_rules() {
    let l = line_of(ITEMS, "answer = [0]", 1);
    assert_eq!(
        item_errors("answer = [0]", "answer = [0, 1]"),
        vec![(l, "content-item-answer-count")]
    );
    assert_eq!(
        item_errors("answer = [0]", "answer = [3]"),
        vec![(l, "content-item-answer-range")]
    );
    assert_eq!(
        item_errors("answer = [0]", "answer = []"),
        vec![(l, "content-item-answer-count")]
    );
    assert_eq!(
        item_errors("answer = [0]", "answer = true"),
        vec![(l, "content-item-answer-type")]
    );
    assert_eq!(
        item_errors("answer = [0]\n", ""),
        vec![(line_of(ITEMS, "kind", 1), "content-item-answer-missing")]
    );
    let o = line_of(ITEMS, "options", 1);
    assert_eq!(
        item_errors(", \"Cắm tai nghe\"", ""),
        vec![(o, "content-item-options-count")]
    );
    assert_eq!(
        item_errors("\"Lắc máy\"", "\"Nhấn giữ nút nguồn\""),
        vec![(o, "content-item-option-duplicate")]
    );
    assert_eq!(
        item_errors("\"Lắc máy\"", "\" \""),
        vec![(o, "content-item-option-empty")]
    );
    assert_eq!(
        item_errors(
            "\"Lắc máy\"",
            "{ image = \"images/cd-a.svg\", alt = \"x\" }"
        ),
        vec![(o, "content-item-option-kind")]
    );
}

#[test]
fn multiple_choice_needs_two_answers() {
    let l = line_of(ITEMS, "answer = [1, 0]", 1);
    assert_eq!(
        item_errors("answer = [1, 0]", "answer = [1]"),
        vec![(l, "content-item-answer-count")]
    );
    assert_eq!(
        item_errors("answer = [1, 0]", "answer = [1, 1]"),
        vec![(l, "content-item-answer-duplicate")]
    );
}

#[test]
fn true_false_has_no_options_and_a_boolean() {
    let l = line_of(ITEMS, "answer = true", 1);
    assert_eq!(
        item_errors("answer = true", "answer = [0]"),
        vec![(l, "content-item-answer-type")]
    );
    assert_eq!(
        item_errors(
            "answer = true",
            "options = [\"Đúng\", \"Sai\"]\nanswer = true"
        ),
        vec![(l, "content-item-options-forbidden")]
    );
}

#[test]
fn ordering_has_no_answer() {
    let o = line_of(ITEMS, "options", 3);
    assert_eq!(
        item_errors("\"Xác nhận\"]\n", "\"Xác nhận\"]\nanswer = [0]\n"),
        vec![(o + 1, "content-item-answer-forbidden")]
    );
}

#[test]
fn image_options_need_alt_and_stay_in_items_images() {
    let o = line_of(ITEMS, "options", 4);
    assert_eq!(
        item_errors("alt = \"Tin nhắn của người thân\"", "alt = \"\""),
        vec![(o, "content-image-alt-missing")]
    );
    assert_eq!(
        item_errors("images/cd-b.svg", "../courses/x/images/b.svg"),
        vec![(o, "content-image-outside")]
    );
    assert_eq!(
        item_errors("images/cd-b.svg", "images/cd-b.png"),
        vec![(o, "content-image-not-svg")]
    );
    assert_eq!(
        item_errors(
            ", { image = \"images/cd-b.svg\", alt = \"Tin nhắn của người thân\" }",
            ""
        ),
        vec![(o, "content-item-options-count")]
    );
}

#[test]
fn item_common_fields() {
    assert_eq!(
        item_errors("kind = \"single\"", "kind = \"choice\""),
        vec![(3, "content-item-kind-unknown")]
    );
    assert_eq!(
        item_errors("id = \"cd-001\"", "id = \"CD 001\""),
        vec![(2, "content-id-invalid")]
    );
    assert_eq!(
        item_errors(
            "explanation = \"Nhấn giữ nút nguồn vài giây.\"",
            "explanation = \"\""
        ),
        vec![(9, "content-text-empty")]
    );
    let errs = item_errors("explanation = \"Nhấn giữ nút nguồn vài giây.\"\n", "");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].1, "content-field-missing");
    assert_eq!(
        item_errors("step = \"CB1\"", "step = \"cb1\""),
        vec![(5, "content-step-unknown")]
    );
    assert_eq!(
        item_errors("competence = \"1.1\"", "competence = \"7.1\""),
        vec![(4, "content-competence-unknown")]
    );
    assert_eq!(
        keys(&parse_items("").unwrap_err()),
        vec![(1, "content-items-empty")]
    );
}

// ---------------------------------------------------------------- whole trees

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A scratch content tree, removed on drop.
struct Tree(PathBuf);

impl Tree {
    fn new() -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("binhdan-content-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.0.join(rel)).unwrap();
        self
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 80"><rect x="10" y="10" width="100" height="60" fill="grey"/></svg>"#;

/// A valid tree: one course of five modules, each with one lesson and a four-item quiz.
fn good_tree() -> Tree {
    let t = Tree::new();
    let dirs = ["01-a", "02-b", "03-c", "04-d", "05-e"];
    t.write("courses/cd/course.toml", COURSE);
    t.write("courses/cd/images/nut-nguon.svg", SVG);
    for d in dirs {
        let slug = &d[3..];
        t.write(
            &format!("courses/cd/{d}/module.toml"),
            &format!(
                "id = \"cong-dan.{slug}\"\ntitle = \"T\"\nsummary = \"S\"\nlessons = [\"01-x.md\"]\nquiz = [\"cd-001\", \"cd-002\", \"cd-003\", \"cd-004\"]\n"
            ),
        );
        t.write(
            &format!("courses/cd/{d}/01-x.md"),
            &LESSON.replace("cong-dan.dien-thoai.bat-tat", &format!("cong-dan.{slug}.x")),
        );
    }
    t.write("items/cong-dan.toml", ITEMS);
    t.write("items/images/cd-a.svg", SVG);
    t.write("items/images/cd-b.svg", SVG);
    t
}

fn load_errors(t: &Tree) -> Vec<(String, usize, &'static str)> {
    load_dir(t.path(), "/content/assets")
        .unwrap_err()
        .into_iter()
        .map(|e| {
            (
                e.file.to_string_lossy().replace('\\', "/"),
                e.line,
                e.msg.key,
            )
        })
        .collect()
}

#[test]
fn a_good_tree_loads_and_renders_images_with_their_size() {
    let t = good_tree();
    let pack = load_dir(t.path(), "/content/assets/").unwrap();
    assert_eq!(pack.courses.len(), 1);
    let course = &pack.courses[0];
    assert_eq!(course.modules.len(), 5);
    assert_eq!(course.modules[1].lessons, vec!["cong-dan.b.x".to_owned()]);
    assert_eq!(pack.lessons.len(), 5);
    assert_eq!(pack.items.len(), 5);
    assert_eq!(pack.assets.len(), 3);
    assert_eq!(
        pack.asset("items/images/cd-a.svg")
            .map(|a| (a.width, a.height)),
        Some((120, 80))
    );
    let html = &pack.lesson("cong-dan.a.x").unwrap().html;
    assert!(
        html.contains(r#"<img src="/content/assets/courses/cd/images/nut-nguon.svg" alt="Nút nguồn ở cạnh phải" loading="lazy" decoding="async" width="120" height="80">"#),
        "{html}"
    );
}

#[test]
fn cross_references_are_checked() {
    let t = good_tree();
    t.write("courses/cd/02-b/module.toml", "id = \"cong-dan.b\"\ntitle = \"T\"\nsummary = \"S\"\nlessons = [\"01-x.md\", \"02-y.md\"]\nquiz = [\"cd-001\", \"cd-002\", \"cd-003\", \"cd-999\"]\n");
    t.write("courses/cd/02-b/03-z.md", LESSON);
    t.write("courses/cd/06-f/module.toml", "");
    t.write(
        "courses/cd/course.toml",
        &COURSE.replace("\"05-e\"]", "\"05-e\", \"07-g\"]"),
    );
    t.write(
        "courses/cd/01-a/01-x.md",
        &format!(
            "{}\n![Ảnh](../images/khong-co.svg)\n\n![Ảnh](../../../items/images/cd-a.svg)\n",
            LESSON.replace("dien-thoai.bat-tat", "a.x")
        ),
    );
    let errors = load_errors(&t);
    assert_eq!(
        errors,
        vec![
            (
                "courses/cd/01-a/01-x.md".into(),
                15,
                "content-image-missing"
            ),
            (
                "courses/cd/01-a/01-x.md".into(),
                17,
                "content-image-outside"
            ),
            ("courses/cd/02-b/03-z.md".into(), 0, "content-lesson-orphan"),
            (
                "courses/cd/02-b/module.toml".into(),
                4,
                "content-lesson-missing"
            ),
            (
                "courses/cd/02-b/module.toml".into(),
                5,
                "content-quiz-item-unknown"
            ),
            ("courses/cd/06-f".into(), 0, "content-module-orphan"),
            ("courses/cd/course.toml".into(), 6, "content-module-missing"),
        ]
    );
}

#[test]
fn ids_are_unique_across_the_pack() {
    let t = good_tree();
    t.write(
        "items/more.toml",
        &ITEMS[..ITEMS.find("\n[[item]]").unwrap()],
    );
    t.write(
        "courses/cd/03-c/01-x.md",
        &LESSON.replace("dien-thoai.bat-tat", "b.x"),
    );
    let errors = load_errors(&t);
    assert_eq!(
        errors,
        vec![
            ("courses/cd/03-c/01-x.md".into(), 2, "content-id-prefix"),
            ("courses/cd/03-c/01-x.md".into(), 2, "content-id-duplicate"),
            ("items/more.toml".into(), 2, "content-id-duplicate"),
        ]
    );
    let t = good_tree();
    t.write("courses/cd/02-b/module.toml", "id = \"cong-dan.a\"\ntitle = \"T\"\nsummary = \"S\"\nlessons = [\"01-x.md\"]\nquiz = [\"cd-001\", \"cd-002\", \"cd-003\", \"cd-004\"]\n");
    let errors = load_errors(&t);
    assert!(
        errors.contains(&(
            "courses/cd/02-b/module.toml".into(),
            1,
            "content-id-duplicate"
        )),
        "{errors:?}"
    );
}

#[test]
fn image_files_are_checked() {
    let t = good_tree();
    t.write(
        "items/images/cd-b.svg",
        &format!("{SVG}<!--{}-->", "x".repeat(MAX_IMAGE_BYTES)),
    );
    t.write(
        "courses/cd/images/nut-nguon.svg",
        r#"<svg viewBox="0 0 10 10"><script>x()</script></svg>"#,
    );
    t.write("courses/cd/images/khong-kich-thuoc.svg", "<svg></svg>");
    let errors = load_errors(&t);
    assert_eq!(
        errors,
        vec![
            (
                "courses/cd/images/khong-kich-thuoc.svg".into(),
                0,
                "content-image-size-unknown"
            ),
            (
                "courses/cd/images/nut-nguon.svg".into(),
                0,
                "content-image-unsafe"
            ),
            ("items/images/cd-b.svg".into(), 0, "content-image-too-large"),
        ]
    );
    let t = good_tree();
    t.remove("items/images/cd-b.svg");
    let errors = load_errors(&t);
    assert_eq!(
        errors,
        vec![(
            "items/cong-dan.toml".into(),
            line_of(ITEMS, "options", 4),
            "content-image-missing"
        )]
    );
}

#[test]
fn missing_files_are_reported() {
    let t = good_tree();
    t.remove("courses/cd/course.toml");
    t.remove("items/cong-dan.toml");
    let errors = load_errors(&t);
    assert_eq!(
        errors,
        vec![
            ("courses/cd/course.toml".into(), 0, "content-file-missing"),
            ("items".into(), 0, "content-items-empty"),
        ]
    );
}

// ---------------------------------------------------------------- messages

fn ftl_ids(lang: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../binhdan-i18n/locales/{lang}/content.ftl"));
    let text = std::fs::read_to_string(path).unwrap();
    let resource = fluent_syntax::parser::parse(text.as_str())
        .unwrap_or_else(|(_, errs)| panic!("{lang}: {errs:?}"));
    resource
        .body
        .iter()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[test]
fn every_message_key_has_a_vietnamese_and_an_english_text() {
    let mut expected: Vec<String> = MESSAGE_KEYS.iter().map(|k| (*k).to_owned()).collect();
    expected.sort();
    for lang in ["vi", "en"] {
        let mut ids = ftl_ids(lang);
        ids.sort();
        assert_eq!(ids, expected, "{lang}");
    }
    // And every key used in the code is listed.
    let sources = [
        include_str!("lib.rs"),
        include_str!("load.rs"),
        include_str!("parse.rs"),
        include_str!("markdown.rs"),
        include_str!("svg.rs"),
        include_str!("task/parse.rs"),
        include_str!("task/mod.rs"),
    ];
    for src in sources {
        for part in src.split("\"content-").skip(1) {
            let key = format!("content-{}", part.split('"').next().unwrap());
            assert!(MESSAGE_KEYS.contains(&key.as_str()), "{key}");
        }
    }
}

// ---------------------------------------------------------------- robustness

mod no_panic {
    use proptest::prelude::*;

    use super::*;

    /// Pieces of the formats, so that random input gets past the first checks often.
    const PIECES: &[&str] = &[
        "+++\n",
        "+++",
        "\n",
        "[[item]]\n",
        "id = ",
        "kind = ",
        "options = [",
        "]",
        "answer = ",
        "\"",
        "{ image = ",
        "alt = ",
        "}",
        ", ",
        "0",
        "7",
        "-1",
        "true",
        "## ",
        "# ",
        "![",
        "](",
        ")",
        "<b>",
        "<svg",
        " viewBox=\"",
        " width='",
        "on",
        "=",
        "ư",
        "Đ",
        "\u{301}",
        "\r\n",
        "`",
        "%",
    ];

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{0,200}",
            proptest::collection::vec(proptest::sample::select(PIECES), 0..60)
                .prop_map(|p| p.concat()),
        ]
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in text()) {
            let _ = parse_course(&s);
            let _ = parse_module(&s, Some("cong-dan"));
            let _ = parse_lesson(&s, Some("cong-dan.m"));
            let _ = parse_items(&s);
            let _ = check_markdown(&s, 1);
            let _ = render_markdown(&s, |_| None);
            let _ = svg_size(&s);
            let _ = check_svg(s.as_bytes());
        }

        #[test]
        fn errors_point_inside_the_file(s in text()) {
            let lines = s.split('\n').count();
            for errors in [parse_course(&s).err(), parse_items(&s).err(), parse_lesson(&s, None).err()].into_iter().flatten() {
                for e in errors {
                    prop_assert!(e.line <= lines.max(1), "{e:?} in {lines} lines");
                }
            }
        }
    }
}

#[test]
fn the_exam_list_names_bank_items_that_no_quiz_shows() {
    let t = good_tree();
    t.write(
        "courses/cd/course.toml",
        &format!("{COURSE}exam = [\"cd-005\"]\n"),
    );
    let pack = load_dir(t.path(), "/content/assets/").unwrap();
    assert_eq!(pack.courses[0].exam, vec!["cd-005".to_owned()]);

    t.write(
        "courses/cd/course.toml",
        &format!("{COURSE}exam = [\"cd-005\",\n  \"cd-001\",\n  \"cd-404\"]\n"),
    );
    assert_eq!(
        load_errors(&t),
        vec![
            (
                "courses/cd/course.toml".into(),
                8,
                "content-exam-item-in-quiz"
            ),
            (
                "courses/cd/course.toml".into(),
                9,
                "content-exam-item-unknown"
            ),
        ]
    );
}
