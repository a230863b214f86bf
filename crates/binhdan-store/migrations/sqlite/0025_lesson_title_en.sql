-- A lesson's title in English, when the content pack gives one (`title_en` in the front
-- matter; the lesson's text is Vietnamese only). English pages that link to a lesson show it;
-- NULL: they show the Vietnamese title, marked as Vietnamese.
ALTER TABLE lesson ADD COLUMN title_en TEXT;
