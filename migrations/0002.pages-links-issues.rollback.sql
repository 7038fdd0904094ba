DROP TABLE issues;
DROP TABLE links;
DROP TABLE pages;
DROP TABLE frontier;
