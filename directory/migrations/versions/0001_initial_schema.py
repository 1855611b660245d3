"""initial schema

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("last_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.Column("verification_method", sa.String(length=20), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archive_reason", sa.String(length=500), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("charity_number", sa.String(length=20), nullable=True),
        sa.Column("company_number", sa.String(length=20), nullable=True),
        sa.Column("logo_url", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_last_verified_at"), ["last_verified_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_organisation_name"), ["name"], unique=False)

    op.create_table(
        "postcode",
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("country_code", sa.String(length=9), nullable=True),
        sa.Column("district_code", sa.String(length=9), nullable=True),
        sa.Column("health_code", sa.String(length=9), nullable=True),
        sa.PrimaryKeyConstraint("postcode"),
    )
    op.create_table(
        "taxonomy",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("uri", sa.String(length=500), nullable=True),
        sa.Column("version", sa.String(length=50), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "location",
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archive_reason", sa.String(length=500), nullable=True),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("location_type", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address_1", sa.String(length=200), nullable=True),
        sa.Column("address_2", sa.String(length=200), nullable=True),
        sa.Column("town", sa.String(length=100), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("geocode_source", sa.String(length=20), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("travel_notes", sa.Text(), nullable=False),
        sa.Column("accessibility", sa.Text(), nullable=False),
        sa.Column("wheelchair_accessible", sa.Boolean(), nullable=True),
        sa.CheckConstraint(
            "location_type IS NULL OR location_type IN ('physical', 'virtual')", name="location_type_known"
        ),
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude_range"),
        sa.CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude_range"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_location_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_location_postcode"), ["postcode"], unique=False)

    op.create_table(
        "service",
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("last_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.Column("verification_method", sa.String(length=20), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archive_reason", sa.String(length=500), nullable=True),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("expected_reopening", sa.Date(), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("alert", sa.String(length=500), nullable=True),
        sa.Column("is_free", sa.Boolean(), nullable=False),
        sa.Column("cost_description", sa.String(length=300), nullable=True),
        sa.Column("cost_min", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("cost_max", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("groups_served", sa.JSON(), nullable=False),
        sa.Column("circumstances", sa.JSON(), nullable=False),
        sa.Column("eligibility_criteria", sa.Text(), nullable=False),
        sa.Column("open_to_all", sa.Boolean(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "status IS NULL OR status IN ('active', 'temporarily_closed', 'inactive', 'defunct')",
            name="service_status_known",
        ),
        sa.CheckConstraint(
            "verification_method IS NULL OR verification_method IN ('owner', 'link_worker', 'import', 'moderator')",
            name="service_verification_known",
        ),
        sa.CheckConstraint("cost_min IS NULL OR cost_max IS NULL OR cost_min <= cost_max", name="cost_order"),
        sa.CheckConstraint("cost_min IS NULL OR cost_min >= 0", name="cost_min_positive"),
        sa.CheckConstraint("max_age IS NULL OR (max_age BETWEEN 0 AND 120)", name="max_age_range"),
        sa.CheckConstraint("min_age IS NULL OR (min_age BETWEEN 0 AND 120)", name="min_age_range"),
        sa.CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", name="age_order"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_last_verified_at"), ["last_verified_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_status"), ["status"], unique=False)

    op.create_table(
        "taxonomy_term",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("taxonomy_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["taxonomy_term.id"],
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_id"],
            ["taxonomy.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("taxonomy_id", "code"),
    )
    with op.batch_alter_table("taxonomy_term", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_taxonomy_term_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_taxonomy_term_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_taxonomy_term_taxonomy_id"), ["taxonomy_id"], unique=False)

    op.create_table(
        "funding",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("funded_until", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "status IS NULL OR status IN ('funded', 'funding_ending', 'unfunded', 'ended')", name="funding_status_known"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("funding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funding_service_id"), ["service_id"], unique=False)

    op.create_table(
        "referral_route",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("route_type", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("typical_wait", sa.String(length=100), nullable=True),
        sa.Column("status_confirmed_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "method IS NULL OR method IN ('phone', 'email', 'online_form', 'in_person')", name="route_method_known"
        ),
        sa.CheckConstraint(
            "route_type IS NULL OR route_type IN ('self_referral', 'drop_in', 'professional', 'gp', 'link_worker')",
            name="route_type_known",
        ),
        sa.CheckConstraint(
            "status IS NULL OR status IN ('accepting', 'waiting_list', 'closed')", name="referral_status_known"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("referral_route", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_route_service_id"), ["service_id"], unique=False)

    op.create_table(
        "schedule",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("weekday", sa.String(length=2), nullable=False),
        sa.Column("week_of_month", sa.Integer(), nullable=True),
        sa.Column("opens_at", sa.Time(), nullable=True),
        sa.Column("closes_at", sa.Time(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.CheckConstraint("frequency IS NULL OR frequency IN ('weekly', 'monthly')", name="frequency_known"),
        sa.CheckConstraint(
            "weekday IS NULL OR weekday IN ('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU')", name="weekday_known"
        ),
        sa.CheckConstraint("opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at", name="opens_before_closes"),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to", name="schedule_dates_order"
        ),
        sa.CheckConstraint("week_of_month IS NULL OR week_of_month IN (-1, 1, 2, 3, 4)", name="week_of_month_range"),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedule_service_id"), ["service_id"], unique=False)

    op.create_table(
        "season",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("start_month", sa.Integer(), nullable=False),
        sa.Column("start_day", sa.Integer(), nullable=False),
        sa.Column("end_month", sa.Integer(), nullable=False),
        sa.Column("end_day", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.CheckConstraint("start_day BETWEEN 1 AND 31 AND end_day BETWEEN 1 AND 31", name="days"),
        sa.CheckConstraint("start_month BETWEEN 1 AND 12 AND end_month BETWEEN 1 AND 12", name="months"),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("season", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_season_service_id"), ["service_id"], unique=False)

    op.create_table(
        "service_area",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("area_type", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "area_type IS NULL OR area_type IN ('local_authority', 'health_board', 'national')", name="area_type_known"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_area_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_area_service_id"), ["service_id"], unique=False)

    op.create_table(
        "service_at_location",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archive_reason", sa.String(length=500), nullable=True),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_id", "location_id"),
    )
    with op.batch_alter_table("service_at_location", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_at_location_location_id"), ["location_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_at_location_service_id"), ["service_id"], unique=False)

    op.create_table(
        "service_taxonomy",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("term_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["taxonomy_term.id"],
        ),
        sa.PrimaryKeyConstraint("service_id", "term_id"),
    )
    with op.batch_alter_table("service_taxonomy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_taxonomy_term_id"), ["term_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("service_taxonomy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_taxonomy_term_id"))

    op.drop_table("service_taxonomy")
    with op.batch_alter_table("service_at_location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_at_location_service_id"))
        batch_op.drop_index(batch_op.f("ix_service_at_location_location_id"))

    op.drop_table("service_at_location")
    with op.batch_alter_table("service_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_area_service_id"))
        batch_op.drop_index(batch_op.f("ix_service_area_code"))

    op.drop_table("service_area")
    with op.batch_alter_table("season", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_season_service_id"))

    op.drop_table("season")
    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_service_id"))

    op.drop_table("schedule")
    with op.batch_alter_table("referral_route", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_route_service_id"))

    op.drop_table("referral_route")
    with op.batch_alter_table("funding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_service_id"))

    op.drop_table("funding")
    with op.batch_alter_table("taxonomy_term", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_taxonomy_term_taxonomy_id"))
        batch_op.drop_index(batch_op.f("ix_taxonomy_term_parent_id"))
        batch_op.drop_index(batch_op.f("ix_taxonomy_term_code"))

    op.drop_table("taxonomy_term")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_status"))
        batch_op.drop_index(batch_op.f("ix_service_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_service_name"))
        batch_op.drop_index(batch_op.f("ix_service_last_verified_at"))

    op.drop_table("service")
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_postcode"))
        batch_op.drop_index(batch_op.f("ix_location_organisation_id"))

    op.drop_table("location")
    op.drop_table("taxonomy")
    op.drop_table("postcode")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_name"))
        batch_op.drop_index(batch_op.f("ix_organisation_last_verified_at"))

    op.drop_table("organisation")
