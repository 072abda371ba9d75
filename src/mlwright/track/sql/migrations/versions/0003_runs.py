"""Training runs, the candidates they tried, and their notes.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dataset_name", sa.String(255), nullable=False),
        sa.Column("dataset_version", sa.Integer, nullable=False),
        sa.Column("dataset_fingerprint", sa.String(64), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("task_type", sa.String(32), nullable=True),
        sa.Column("metric", sa.String(64), nullable=True),
        sa.Column("config_json", sa.JSON, nullable=False),
        sa.Column("lineage_json", sa.JSON, nullable=False),
        sa.Column("result_json", sa.JSON, nullable=False),
        sa.Column("model_key", sa.String(64), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(255), nullable=True),
    )
    op.create_index("ix_runs_dataset", "runs", ["dataset_name", "dataset_version"])
    op.create_index("ix_runs_model_key", "runs", ["model_key"])
    op.create_table(
        "run_trials",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.String(32), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("family", sa.String(64), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("params_json", sa.JSON, nullable=False),
        sa.Column("fold_scores_json", sa.JSON, nullable=False),
        sa.Column("mean", sa.Float, nullable=True),
        sa.Column("std", sa.Float, nullable=True),
        sa.Column("fit_time_s", sa.Float, nullable=False),
        sa.Column("predict_ms_per_1k", sa.Float, nullable=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.UniqueConstraint("run_id", "number", name="uq_run_trials_run_number"),
    )
    op.create_table(
        "run_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.String(32), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_run_notes_run_id", "run_notes", ["run_id"])


def downgrade() -> None:
    op.drop_table("run_notes")
    op.drop_table("run_trials")
    op.drop_table("runs")
