-- The cross-site evaluation matrix: each site's AUC of each model of each run on its own test split,
-- with the 95 % interval the site computed (DeLong for two classes, else a bootstrap).
--   node query.mjs OUT "$(cat site_matrix.sql)"
SELECT run_id, site, model_kind, n, value, ci_low, ci_high, ci_method
FROM site_metrics
WHERE split = 'test' AND metric = 'auc' AND label IS NULL
ORDER BY run_id, site, model_kind
