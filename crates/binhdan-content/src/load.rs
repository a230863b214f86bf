//! Reading a whole `content/` tree: files, cross-references, images.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};

use binhdan_core::Msg;

use crate::markdown::{RenderedImage, has_extension, has_svg_extension, render_markdown};
use crate::parse::{ItemDoc, course_lenient, items_lenient, lesson_lenient, module_lenient};
use crate::svg::{SvgProblem, check_svg};
use crate::task::task_lenient;
use crate::{
    Asset, ContentError, Course, Item, ItemOption, Lesson, LineError, MAX_IMAGE_BYTES, Module,
    Pack, Task,
};

/// Resolves `rel` (a relative path as written in a file) against the directory `base` (relative
/// to the content root, `/`-separated). `None` if it is absolute, a URL, or leaves the root.
pub(crate) fn resolve(base: &str, rel: &str) -> Option<String> {
    if rel.is_empty()
        || rel.starts_with('/')
        || rel.contains(':')
        || rel.contains('\\')
        || rel.contains('?')
        || rel.contains('#')
    {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// A single path component that names a file or directory of the pack.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains('/') && !name.contains('\\')
}

struct Loader<'a> {
    root: &'a Path,
    errors: Vec<ContentError>,
    /// Every id of the pack, with where it was first seen (`file:line`).
    ids: HashMap<String, String>,
    assets: BTreeMap<String, Asset>,
}

/// A directory entry: its name and whether it is a directory.
struct Entry {
    name: String,
    is_dir: bool,
}

impl Loader<'_> {
    fn error(&mut self, file: &str, line: usize, msg: Msg) {
        self.errors.push(ContentError {
            file: PathBuf::from(file),
            line,
            msg,
        });
    }

    fn errors_of(&mut self, file: &str, errors: Vec<LineError>) {
        for e in errors {
            self.error(file, e.line, e.msg);
        }
    }

    fn io_error(&mut self, file: &str, e: &io::Error) {
        let msg = if e.kind() == io::ErrorKind::NotFound {
            Msg::new("content-file-missing").arg("file", file)
        } else if e.kind() == io::ErrorKind::InvalidData {
            Msg::new("content-not-utf8")
        } else {
            Msg::new("content-io").arg("reason", e)
        };
        self.error(file, 0, msg);
    }

    fn path(&self, rel: &str) -> PathBuf {
        rel.split('/')
            .fold(self.root.to_path_buf(), |p, c| p.join(c))
    }

    fn read_text(&mut self, rel: &str) -> Option<String> {
        std::fs::read_to_string(self.path(rel))
            .map_err(|e| self.io_error(rel, &e))
            .ok()
    }

    /// The entries of a directory, sorted by name; `None` (and an error) if it cannot be read.
    fn list(&mut self, rel: &str) -> Option<Vec<Entry>> {
        let read = || -> io::Result<Vec<Entry>> {
            let mut entries = Vec::new();
            for e in std::fs::read_dir(self.path(rel))? {
                let e = e?;
                let is_dir = e.file_type()?.is_dir();
                entries.push(Entry {
                    name: e.file_name().to_string_lossy().into_owned(),
                    is_dir,
                });
            }
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(entries)
        };
        read().map_err(|e| self.io_error(rel, &e)).ok()
    }

    fn exists_dir(&self, rel: &str) -> bool {
        self.path(rel).is_dir()
    }

    /// Records an id, reporting it if it was already used.
    fn register(&mut self, id: &str, file: &str, line: usize) {
        if let Some(first) = self.ids.get(id) {
            let msg = Msg::new("content-id-duplicate")
                .arg("id", id)
                .arg("first", first);
            self.error(file, line, msg);
        } else {
            self.ids.insert(id.to_owned(), format!("{file}:{line}"));
        }
    }

    /// Loads every `.svg` of the directory `rel`, if it exists.
    fn load_images(&mut self, rel: &str) {
        if !self.exists_dir(rel) {
            return;
        }
        let Some(entries) = self.list(rel) else {
            return;
        };
        for e in entries
            .iter()
            .filter(|e| !e.is_dir && has_svg_extension(&e.name))
        {
            let file = format!("{rel}/{}", e.name);
            let bytes = match std::fs::read(self.path(&file)) {
                Ok(b) => b,
                Err(err) => {
                    self.io_error(&file, &err);
                    continue;
                }
            };
            if bytes.len() > MAX_IMAGE_BYTES {
                let msg = Msg::new("content-image-too-large")
                    .arg("path", &file)
                    .arg("size", bytes.len())
                    .arg("max", MAX_IMAGE_BYTES);
                self.error(&file, 0, msg);
            }
            let (width, height) = match check_svg(&bytes) {
                Ok(size) => size,
                Err(problem) => {
                    let key = match problem {
                        SvgProblem::NotSvg => "content-image-not-svg",
                        SvgProblem::Unsafe => "content-image-unsafe",
                        SvgProblem::NoSize => "content-image-size-unknown",
                    };
                    self.error(&file, 0, Msg::new(key).arg("path", &file));
                    (0, 0)
                }
            };
            self.assets.insert(
                file.clone(),
                Asset {
                    path: file,
                    bytes,
                    width,
                    height,
                },
            );
        }
    }

    /// Checks that an image referenced from `file` (resolved to `path`) is an SVG of the pack
    /// under `folder`.
    fn check_image_ref(
        &mut self,
        file: &str,
        line: usize,
        written: &str,
        path: Option<&str>,
        folder: &str,
    ) {
        let msg = match path {
            None => Msg::new("content-image-outside").arg("path", written),
            Some(p) if !p.starts_with(folder) => {
                Msg::new("content-image-outside").arg("path", written)
            }
            Some(p) if !has_svg_extension(p) => return, // reported by the parser
            Some(p) if !self.assets.contains_key(p) => {
                Msg::new("content-image-missing").arg("path", written)
            }
            Some(_) => return,
        };
        self.error(file, line, msg);
    }

    fn load_items(&mut self) -> (Vec<Item>, HashSet<String>) {
        let mut items = Vec::new();
        let mut ids = HashSet::new();
        let Some(entries) = self.list("items") else {
            return (items, ids);
        };
        let banks: Vec<_> = entries
            .iter()
            .filter(|e| !e.is_dir && has_extension(&e.name, "toml"))
            .collect();
        if banks.is_empty() {
            self.error("items", 0, Msg::new("content-items-empty"));
        }
        for e in banks {
            let file = format!("items/{}", e.name);
            let Some(text) = self.read_text(&file) else {
                continue;
            };
            let (docs, errors) = items_lenient(&text);
            self.errors_of(&file, errors);
            for ItemDoc {
                item,
                line,
                options_line,
            } in docs
            {
                self.register(&item.id, &file, line);
                ids.insert(item.id.clone());
                for option in &item.options {
                    if let ItemOption::Image { path, .. } = option
                        && path.starts_with("items/images/")
                        && has_svg_extension(path)
                        && !self.assets.contains_key(path)
                    {
                        let msg = Msg::new("content-image-missing").arg("path", path);
                        self.error(&file, options_line, msg);
                    }
                }
                items.push(item);
            }
        }
        (items, ids)
    }

    /// Every `tasks/*.toml`, if the folder exists; lesson ids are checked against `lessons`.
    fn load_tasks(&mut self, lessons: &[Lesson]) -> Vec<Task> {
        let mut tasks = Vec::new();
        if !self.exists_dir("tasks") {
            return tasks;
        }
        let Some(entries) = self.list("tasks") else {
            return tasks;
        };
        let lesson_ids: HashSet<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
        for e in entries
            .iter()
            .filter(|e| !e.is_dir && has_extension(&e.name, "toml"))
        {
            let file = format!("tasks/{}", e.name);
            let Some(text) = self.read_text(&file) else {
                continue;
            };
            let (doc, errors) = task_lenient(&text);
            self.errors_of(&file, errors);
            let Some(doc) = doc else {
                continue;
            };
            self.register(&doc.task.id, &file, doc.id_line);
            for l in &doc.lessons {
                if !lesson_ids.contains(l.value.as_str()) {
                    let msg = Msg::new("content-task-lesson-unknown").arg("id", &l.value);
                    self.error(&file, l.line, msg);
                }
            }
            tasks.push(doc.task);
        }
        tasks
    }

    fn load_course(
        &mut self,
        dir: &str,
        item_ids: &HashSet<String>,
        asset_prefix: &str,
        lessons: &mut Vec<Lesson>,
    ) -> Option<Course> {
        let course_rel = format!("courses/{dir}");
        let file = format!("{course_rel}/course.toml");
        let text = self.read_text(&file)?;
        let (doc, errors) = course_lenient(&text);
        self.errors_of(&file, errors);
        let doc = doc?;
        let mut course = doc.course;
        self.register(&course.id, &file, doc.id_line);

        let listed: HashSet<&str> = doc.module_dirs.iter().map(|m| m.value.as_str()).collect();
        if let Some(entries) = self.list(&course_rel) {
            for e in entries
                .iter()
                .filter(|e| e.is_dir && e.name != "images" && !listed.contains(e.name.as_str()))
            {
                let orphan = format!("{course_rel}/{}", e.name);
                self.error(
                    &orphan,
                    0,
                    Msg::new("content-module-orphan").arg("dir", &e.name),
                );
            }
        }
        for m in &doc.module_dirs {
            let module_rel = format!("{course_rel}/{}", m.value);
            if !is_plain_name(&m.value)
                || m.value == "images"
                || !self.path(&format!("{module_rel}/module.toml")).is_file()
            {
                self.error(
                    &file,
                    m.line,
                    Msg::new("content-module-missing").arg("dir", &m.value),
                );
                continue;
            }
            if let Some(module) = self.load_module(
                &course.id,
                &course_rel,
                &module_rel,
                item_ids,
                asset_prefix,
                lessons,
            ) {
                course.modules.push(module);
            }
        }
        let in_quiz: HashSet<&str> = course
            .modules
            .iter()
            .flat_map(|m| m.quiz.iter().map(String::as_str))
            .collect();
        for e in &doc.exam {
            if !item_ids.contains(&e.value) {
                let msg = Msg::new("content-exam-item-unknown").arg("id", &e.value);
                self.error(&file, e.line, msg);
            } else if in_quiz.contains(e.value.as_str()) {
                let msg = Msg::new("content-exam-item-in-quiz").arg("id", &e.value);
                self.error(&file, e.line, msg);
            }
        }
        Some(course)
    }

    fn load_module(
        &mut self,
        course_id: &str,
        course_rel: &str,
        module_rel: &str,
        item_ids: &HashSet<String>,
        asset_prefix: &str,
        lessons: &mut Vec<Lesson>,
    ) -> Option<Module> {
        let file = format!("{module_rel}/module.toml");
        let text = self.read_text(&file)?;
        let (doc, errors) = module_lenient(&text, Some(course_id));
        self.errors_of(&file, errors);
        let doc = doc?;
        let mut module = doc.module;
        self.register(&module.id, &file, doc.id_line);
        for q in &doc.quiz {
            if !item_ids.contains(&q.value) {
                self.error(
                    &file,
                    q.line,
                    Msg::new("content-quiz-item-unknown").arg("id", &q.value),
                );
            }
        }
        let listed: HashSet<&str> = doc.lesson_files.iter().map(|l| l.value.as_str()).collect();
        if let Some(entries) = self.list(module_rel) {
            for e in entries.iter().filter(|e| {
                !e.is_dir && has_extension(&e.name, "md") && !listed.contains(e.name.as_str())
            }) {
                let orphan = format!("{module_rel}/{}", e.name);
                self.error(
                    &orphan,
                    0,
                    Msg::new("content-lesson-orphan").arg("file", &e.name),
                );
            }
        }
        let images_folder = format!("{course_rel}/images/");
        for l in &doc.lesson_files {
            let lesson_file = format!("{module_rel}/{}", l.value);
            let found = is_plain_name(&l.value)
                && has_extension(&l.value, "md")
                && self.path(&lesson_file).is_file();
            if !found {
                self.error(
                    &file,
                    l.line,
                    Msg::new("content-lesson-missing").arg("file", &l.value),
                );
                continue;
            }
            let Some(text) = self.read_text(&lesson_file) else {
                continue;
            };
            let (lesson_doc, errors) = lesson_lenient(&text, Some(&module.id));
            self.errors_of(&lesson_file, errors);
            let Some(lesson_doc) = lesson_doc else {
                continue;
            };
            let mut lesson = lesson_doc.lesson;
            self.register(&lesson.id, &lesson_file, lesson_doc.id_line);
            for img in &lesson_doc.images {
                let path = resolve(module_rel, &img.src);
                self.check_image_ref(
                    &lesson_file,
                    img.line,
                    &img.src,
                    path.as_deref(),
                    &images_folder,
                );
            }
            let prefix = asset_prefix.trim_end_matches('/');
            lesson.html = render_markdown(&lesson.markdown, |src| {
                let path = resolve(module_rel, src)?;
                let asset = self
                    .assets
                    .get(&path)
                    .filter(|_| path.starts_with(&images_folder))?;
                Some(RenderedImage {
                    url: format!("{prefix}/{path}"),
                    width: asset.width,
                    height: asset.height,
                })
            });
            module.lessons.push(lesson.id.clone());
            lessons.push(lesson);
        }
        Some(module)
    }
}

/// Reads and validates the whole content tree at `root` (the `content/` folder: `courses/`
/// and `items/`). Lesson HTML points images at `{asset_prefix}/{asset path}`, e.g.
/// `/content/assets/courses/cong-dan/images/nut-nguon.svg` for the prefix `/content/assets`.
///
/// Returns the pack, or every problem found (sorted by file, then line).
pub fn load_dir(root: &Path, asset_prefix: &str) -> Result<Pack, Vec<ContentError>> {
    let mut loader = Loader {
        root,
        errors: Vec::new(),
        ids: HashMap::new(),
        assets: BTreeMap::new(),
    };

    let course_dirs: Vec<String> = loader
        .list("courses")
        .map(|entries| {
            entries
                .into_iter()
                .filter(|e| e.is_dir)
                .map(|e| e.name)
                .collect()
        })
        .unwrap_or_default();
    for dir in &course_dirs {
        loader.load_images(&format!("courses/{dir}/images"));
    }
    loader.load_images("items/images");

    let (items, item_ids) = loader.load_items();

    let mut courses = Vec::new();
    let mut lessons = Vec::new();
    for dir in &course_dirs {
        if let Some(course) = loader.load_course(dir, &item_ids, asset_prefix, &mut lessons) {
            courses.push(course);
        }
    }

    let tasks = loader.load_tasks(&lessons);

    if loader.errors.is_empty() {
        Ok(Pack {
            courses,
            lessons,
            items,
            assets: loader.assets.into_values().collect(),
            tasks,
        })
    } else {
        let mut errors = loader.errors;
        errors.sort_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_inside_the_root_only() {
        assert_eq!(
            resolve("courses/c/01-m", "../images/a.svg").as_deref(),
            Some("courses/c/images/a.svg")
        );
        assert_eq!(
            resolve("items", "images/a.svg").as_deref(),
            Some("items/images/a.svg")
        );
        assert_eq!(
            resolve("items", "./images/../images/a.svg").as_deref(),
            Some("items/images/a.svg")
        );
        assert_eq!(resolve("items", "../../x.svg"), None);
        assert_eq!(resolve("items", "/etc/x.svg"), None);
        assert_eq!(resolve("items", "https://x.vn/a.svg"), None);
    }
}
