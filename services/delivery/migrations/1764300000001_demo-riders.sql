-- Up Migration
INSERT INTO riders (rider_id, name, region) VALUES
  ('rider-1', 'Kim Minjun',  'seoul-gangnam'),
  ('rider-2', 'Lee Seoyeon', 'seoul-gangnam'),
  ('rider-3', 'Park Jihoon', 'seoul-mapo'),
  ('rider-4', 'Choi Yuna',   'seoul-songpa');

-- Down Migration
DELETE FROM riders WHERE rider_id IN ('rider-1', 'rider-2', 'rider-3', 'rider-4');
