-- Up Migration
-- The demo stores at menu version 1, the same data the store service seeds and
-- publishes, so orders are taken even if the store service has never run.
-- A MenuPublished with a higher menu_version replaces them.
INSERT INTO menu_stores (store_id, store_name, owner_id, region, lat, lng, open, items, menu_version) VALUES
  ('store-gangnam-chicken', 'Gangnam Fried Chicken', 'owner-1', 'seoul-gangnam', 37.4979, 127.0276, true,
   '[{"menuItemId": "chk-fried", "name": "Fried Chicken", "priceUnits": 19000, "available": true},
     {"menuItemId": "chk-yangnyeom", "name": "Yangnyeom Chicken", "priceUnits": 21000, "available": true},
     {"menuItemId": "chk-cola", "name": "Cola", "priceUnits": 2000, "available": true}]', 1),
  ('store-hongdae-bibimbap', 'Hongdae Bibimbap House', 'owner-2', 'seoul-mapo', 37.5563, 126.9220, true,
   '[{"menuItemId": "bib-dolsot", "name": "Dolsot Bibimbap", "priceUnits": 11000, "available": true},
     {"menuItemId": "bib-bulgogi", "name": "Bulgogi Bibimbap", "priceUnits": 12000, "available": true},
     {"menuItemId": "bib-soup", "name": "Doenjang Soup", "priceUnits": 4000, "available": true}]', 1),
  ('store-jamsil-pizza', 'Jamsil Pizza Lab', 'owner-3', 'seoul-songpa', 37.5133, 127.1000, true,
   '[{"menuItemId": "pz-margherita", "name": "Margherita", "priceUnits": 18000, "available": true},
     {"menuItemId": "pz-bulgogi", "name": "Bulgogi Pizza", "priceUnits": 23000, "available": true},
     {"menuItemId": "pz-salad", "name": "Caesar Salad", "priceUnits": 9000, "available": true}]', 1)
ON CONFLICT (store_id) DO NOTHING;

-- Down Migration
DELETE FROM menu_stores WHERE store_id IN ('store-gangnam-chicken', 'store-hongdae-bibimbap', 'store-jamsil-pizza') AND menu_version = 1;
