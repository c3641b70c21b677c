-- A visitor's rating of a resolved conversation: {score 1-5, comment, created_at}.
alter table conversations add column rating text
    check (rating is null or (json_valid(rating) and json_type(rating) = 'object'
        and json_extract(rating, '$.score') between 1 and 5));
