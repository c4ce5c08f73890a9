ALTER TABLE `backfill_checkpoints` ADD `bars` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `backfill_checkpoints` ADD `requests` integer DEFAULT 0 NOT NULL;