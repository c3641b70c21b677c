-- A visitor's rating of a resolved conversation: {score 1-5, comment, created_at}.
alter table conversations add column rating jsonb
    check (rating is null or (jsonb_typeof(rating) = 'object'
        and (rating ->> 'score')::int between 1 and 5));
