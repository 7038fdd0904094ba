DROP TABLE page_sketches;
