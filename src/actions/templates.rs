//! Every statement a plan writes, one variant per file under `queries/actions/`. A step is made
//! only from one of these, and a rollback accepts these (`recognise`; and the few older
//! hypertops wrote, kept there): a new statement is accepted back as soon as a plan can write
//! it, and a plan cannot write one not listed here.
//! (The files a plan only reads with stay `sql!` calls in `resolve` and `plan`.)

macro_rules! templates {
    ($($variant:ident => $file:literal,)*) => {
        /// A statement hypertop writes, by its file.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Template {
            $($variant,)*
        }

        impl Template {
            /// Every one, for the rollback's recognition.
            pub const ALL: &'static [Template] = &[$(Template::$variant,)*];

            /// Its file's text.
            pub fn text(self) -> &'static str {
                match self {
                    $(Template::$variant => sql!($file),)*
                }
            }
        }
    };
}

templates! {
    AddColumnstorePolicy => "add_columnstore_policy.sql",
    AddCompactionPolicy => "add_compaction_policy.sql",
    AddCompressionPolicy => "add_compression_policy.sql",
    AddRefreshPolicy => "add_refresh_policy.sql",
    AddRetentionPolicy => "add_retention_policy.sql",
    AlterJob => "alter_job.sql",
    AlterJobConfig => "alter_job_config.sql",
    ApplyAddColumnstorePolicy => "apply_add_columnstore_policy.sql",
    ApplyAddCompactionPolicy => "apply_add_compaction_policy.sql",
    ApplyAddColumnstorePolicyCreated => "apply_add_columnstore_policy_created.sql",
    ApplyAddCompressionPolicy => "apply_add_compression_policy.sql",
    ApplyPauseColumnstorePolicy => "apply_pause_columnstore_policy.sql",
    ApplyAddPolicyCreated => "apply_add_policy_created.sql",
    ApplyAddRefreshPolicy => "apply_add_refresh_policy.sql",
    ApplyAddRefreshPolicyBatched => "apply_add_refresh_policy_batched.sql",
    ApplyAddRefreshPolicyOrdered => "apply_add_refresh_policy_ordered.sql",
    ApplyAddReorderPolicy => "apply_add_reorder_policy.sql",
    ApplyAddRetentionPolicy => "apply_add_retention_policy.sql",
    AsRole => "as_role.sql",
    KeepPolicyTimezone => "keep_policy_timezone.sql",
    KeepTimezone => "keep_timezone.sql",
    CancelBackend => "cancel_backend.sql",
    CompactChunk => "compact_chunk.sql",
    CompactChunkBatches => "compact_chunk_batches.sql",
    CompressChunk => "compress_chunk.sql",
    ConvertToColumnstore => "convert_to_columnstore.sql",
    ConvertToRowstore => "convert_to_rowstore.sql",
    DecompressChunk => "decompress_chunk.sql",
    DeleteRefreshPolicy => "delete_refresh_policy.sql",
    DeleteRefreshPoliciesBut => "delete_refresh_policies_but.sql",
    DropChunks => "drop_chunks.sql",
    DropIndex => "drop_index.sql",
    DropIndexConcurrently => "drop_index_concurrently.sql",
    MergeChunks => "merge_chunks.sql",
    MergeChunksConcurrently => "merge_chunks_concurrently.sql",
    RefreshInteger => "refresh_integer.sql",
    RefreshIntegerBatched => "refresh_integer_batched.sql",
    RefreshTime => "refresh_time.sql",
    RefreshTimeBatched => "refresh_time_batched.sql",
    ReindexIndex => "reindex_index.sql",
    ReindexTable => "reindex_table.sql",
    RemoveColumnstorePolicy => "remove_columnstore_policy.sql",
    RemoveCompactionPolicy => "remove_compaction_policy.sql",
    RemoveCompressionPolicy => "remove_compression_policy.sql",
    RemoveRefreshPolicy => "remove_refresh_policy.sql",
    RemoveReorderPolicy => "remove_reorder_policy.sql",
    RemoveRetentionPolicy => "remove_retention_policy.sql",
    ReaddRefreshPolicy => "readd_refresh_policy.sql",
    ResetColumnstoreOrderby => "reset_columnstore_orderby.sql",
    ResetRole => "reset_role.sql",
    ResetCompressionOrderby => "reset_compression_orderby.sql",
    RestoreJob => "restore_job.sql",
    RestorePolicy => "restore_policy.sql",
    RunJob => "run_job.sql",
    StartJob => "start_job.sql",
    SetChunkInterval => "set_chunk_interval.sql",
    SetColumnstore => "set_columnstore.sql",
    SetColumnstoreSegmentby => "set_columnstore_segmentby.sql",
    SetCompression => "set_compression.sql",
    SetCompressionSegmentby => "set_compression_segmentby.sql",
    TerminateBackend => "terminate_backend.sql",
    UnsetColumnstore => "unset_columnstore.sql",
    UnsetCompression => "unset_compression.sql",
}
