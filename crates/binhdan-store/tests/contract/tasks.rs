//! Simulated tasks: loaded whole with the curriculum, read back as written, retired (never
//! deleted) when they leave the pack.

use binhdan_store::testing::TestDb;

use super::{NOW, shipped_content};

#[tokio::test]
async fn tasks_load_read_back_and_retire() {
    let mut pack = shipped_content();
    assert!(pack.tasks.len() >= 30);
    for db in TestDb::all().await {
        let store = db.store.as_ref();
        let first = store.load_content(&pack, NOW).await.unwrap();
        assert_eq!(first.tasks, pack.tasks.len() as u64, "{}", db.name);
        let stored = store.sim_tasks().await.unwrap();
        let mut expected = pack.tasks.clone();
        expected.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(stored, expected, "{}", db.name);
        let one = &pack.tasks[0];
        assert_eq!(store.sim_task(&one.id).await.unwrap().as_ref(), Some(one));
        assert_eq!(store.sim_task("khong-co").await.unwrap(), None);
        let lesson = &one.lessons[0];
        let linked = store.sim_tasks_for_lesson(lesson).await.unwrap();
        let expected: Vec<&str> = expected
            .iter()
            .filter(|t| t.lessons.contains(lesson))
            .map(|t| t.id.as_str())
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(
            linked.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            expected
        );
        // The lesson's English title, as the pack gives it, for the English task pages.
        let page = store.lesson_page(lesson).await.unwrap().unwrap();
        assert_eq!(
            page.title_en,
            pack.lesson(lesson).unwrap().title_en,
            "{}",
            db.name
        );
        assert!(page.title_en.is_some(), "{}", db.name);
        assert!(
            store
                .sim_tasks_for_lesson("khong-co")
                .await
                .unwrap()
                .is_empty()
        );

        let gone = pack.tasks.pop().unwrap();
        let second = store.load_content(&pack, NOW).await.unwrap();
        assert_eq!(second.tasks_retired, 1, "{}", db.name);
        assert_eq!(store.sim_task(&gone.id).await.unwrap(), None);
        for lesson in &gone.lessons {
            let linked = store.sim_tasks_for_lesson(lesson).await.unwrap();
            assert!(
                linked.iter().all(|t| t.id != gone.id),
                "a retired task is not linked"
            );
        }
        assert_eq!(store.sim_tasks().await.unwrap().len(), pack.tasks.len());
        pack.tasks.push(gone);
        db.cleanup().await;
    }
}
