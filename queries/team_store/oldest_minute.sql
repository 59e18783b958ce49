-- The oldest and newest minute stored (--max-size cuts a twentieth of the span at a time).
SELECT min(minute) AS oldest, max(minute) AS newest FROM hypertop.frame
