-- Up Migration
-- Demo data. The order service seeds the same menus into its replica, so ids,
-- names, prices and menu_version must stay in step with it; any later change
-- bumps menu_version and is published as MenuPublished.
INSERT INTO stores (store_id, name, region, owner_id, lat, lng, address_text) VALUES
  ('store-gangnam-chicken',  'Gangnam Fried Chicken',  'seoul-gangnam', 'owner-1', 37.4979, 127.0276, '서울 강남구 강남대로 396'),
  ('store-hongdae-bibimbap', 'Hongdae Bibimbap House', 'seoul-mapo',    'owner-2', 37.5563, 126.9220, '서울 마포구 양화로 160'),
  ('store-jamsil-pizza',     'Jamsil Pizza Lab',       'seoul-songpa',  'owner-3', 37.5133, 127.1000, '서울 송파구 올림픽로 240');

INSERT INTO menu_items (store_id, menu_item_id, position, name, price_units) VALUES
  ('store-gangnam-chicken',  'chk-fried',      1, 'Fried Chicken',     19000),
  ('store-gangnam-chicken',  'chk-yangnyeom',  2, 'Yangnyeom Chicken', 21000),
  ('store-gangnam-chicken',  'chk-cola',       3, 'Cola',               2000),
  ('store-hongdae-bibimbap', 'bib-dolsot',     1, 'Dolsot Bibimbap',   11000),
  ('store-hongdae-bibimbap', 'bib-bulgogi',    2, 'Bulgogi Bibimbap',  12000),
  ('store-hongdae-bibimbap', 'bib-soup',       3, 'Doenjang Soup',      4000),
  ('store-jamsil-pizza',     'pz-margherita',  1, 'Margherita',        18000),
  ('store-jamsil-pizza',     'pz-bulgogi',     2, 'Bulgogi Pizza',     23000),
  ('store-jamsil-pizza',     'pz-salad',       3, 'Caesar Salad',       9000);

-- Down Migration
DELETE FROM menu_items WHERE store_id IN ('store-gangnam-chicken', 'store-hongdae-bibimbap', 'store-jamsil-pizza');
DELETE FROM stores WHERE store_id IN ('store-gangnam-chicken', 'store-hongdae-bibimbap', 'store-jamsil-pizza');
