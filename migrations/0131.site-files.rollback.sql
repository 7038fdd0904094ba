DROP TABLE site_files;
