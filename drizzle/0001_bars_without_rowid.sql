-- Custom migration: drizzle-kit cannot emit WITHOUT ROWID. Bars are only ever read and
-- written by their primary key (symbol, interval, ts), so clustering on it saves the
-- separate rowid b-tree, about half the space and a lookup per row.
CREATE TABLE `bars_clustered` (
	`symbol` text NOT NULL,
	`interval` text NOT NULL,
	`ts` integer NOT NULL,
	`open` real NOT NULL,
	`high` real NOT NULL,
	`low` real NOT NULL,
	`close` real NOT NULL,
	`volume` real NOT NULL,
	`source` text NOT NULL,
	`filled` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`symbol`, `interval`, `ts`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `bars_clustered` SELECT * FROM `bars`;
--> statement-breakpoint
DROP TABLE `bars`;
--> statement-breakpoint
ALTER TABLE `bars_clustered` RENAME TO `bars`;
