CREATE TABLE `delivery_payloads` (
	`delivery_id` integer PRIMARY KEY NOT NULL,
	`payload` text NOT NULL,
	FOREIGN KEY (`delivery_id`) REFERENCES `deliveries`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `delivery_payloads` (`delivery_id`, `payload`) SELECT `id`, `payload` FROM `deliveries`;
--> statement-breakpoint
ALTER TABLE `deliveries` DROP COLUMN `payload`;