CREATE TABLE `backfill_checkpoints` (
	`symbol` text NOT NULL,
	`interval` text NOT NULL,
	`covered_from` integer NOT NULL,
	`covered_to` integer NOT NULL,
	`source` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`symbol`, `interval`)
);
--> statement-breakpoint
CREATE TABLE `bars` (
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
);
