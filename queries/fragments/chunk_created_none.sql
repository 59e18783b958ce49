           -- (before 2.13) chunks carry no creation time, and no policy asks for one
           NULL::timestamptz
