-- Whether the investor agreed to the privacy notice when sending the lead
-- (《个人信息保护法》 asks for consent to the handling of personal information).
-- Leads from before the form asked are marked false: they never agreed.
ALTER TABLE leads ADD COLUMN consent BOOLEAN NOT NULL DEFAULT FALSE;
