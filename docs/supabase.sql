-- Sets up a Supabase project for the web app's example store (lib/store, SupabaseStore):
-- the predictions table, the images bucket, and row level security so that only
-- signed-in users (SUPABASE_MAIL / SUPABASE_PSWD in .env) read or write.
-- Run it once in the SQL editor. Table and bucket names must match app_config.yaml
-- (store.table, store.bucket); change them here too if you change them there.

create table if not exists public.predictions (
  id uuid primary key,
  created_at timestamptz not null default now(),
  image_key text not null unique,
  image_type text not null check (image_type in ('image/png', 'image/jpeg')),
  model text not null,
  model_version text not null,
  predicted_label text not null,
  confidence double precision not null check (confidence >= 0 and confidence <= 1),
  top_k jsonb not null,
  -- Precomputed uncertainty scores: the labeling queue sorts on them.
  margin double precision not null,
  entropy double precision not null,
  human_label text,
  labeled_at timestamptz,
  skipped_at timestamptz,
  owner uuid not null default auth.uid() references auth.users (id)
);

create index if not exists predictions_queue
  on public.predictions (human_label, skipped_at, confidence);
create index if not exists predictions_created on public.predictions (created_at);

alter table public.predictions enable row level security;

drop policy if exists "signed-in users read predictions" on public.predictions;
create policy "signed-in users read predictions" on public.predictions
  for select to authenticated using (true);

drop policy if exists "signed-in users add predictions" on public.predictions;
create policy "signed-in users add predictions" on public.predictions
  for insert to authenticated with check (owner = auth.uid());

drop policy if exists "signed-in users label predictions" on public.predictions;
create policy "signed-in users label predictions" on public.predictions
  for update to authenticated using (true) with check (true);

-- The images bucket: private; objects are read through the app.
insert into storage.buckets (id, name, public)
values ('images', 'images', false)
on conflict (id) do nothing;

drop policy if exists "signed-in users read images" on storage.objects;
create policy "signed-in users read images" on storage.objects
  for select to authenticated using (bucket_id = 'images');

drop policy if exists "signed-in users upload images" on storage.objects;
create policy "signed-in users upload images" on storage.objects
  for insert to authenticated with check (bucket_id = 'images');

-- The store removes an image it uploaded when the row insert then fails.
drop policy if exists "owners delete their images" on storage.objects;
create policy "owners delete their images" on storage.objects
  for delete to authenticated using (bucket_id = 'images' and owner = auth.uid());
