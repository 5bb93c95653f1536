-- A `default` routing domain always exists.
INSERT INTO "domain" ("id", "name", "description")
VALUES ('00000000-0000-4000-8000-000000000001', 'default', 'The default routing domain')
ON CONFLICT ("name") DO NOTHING;
