from django.db import migrations

ROLES = ["learner", "instructor", "moderator", "operator"]

# (slug, English, Chinese)
TOPICS = [
    ("programming", "Programming", "编程开发"),
    ("data", "Data & analytics", "数据分析"),
    ("ai", "AI & machine learning", "人工智能"),
    ("design", "Design", "设计"),
    ("product", "Product management", "产品经理"),
    ("marketing", "Marketing & growth", "市场营销"),
    ("languages", "Languages", "语言学习"),
    ("career", "Career development", "职场发展"),
    ("finance", "Finance & investing", "财经理财"),
    ("writing", "Writing & content", "写作与内容创作"),
]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Topic = apps.get_model("accounts", "Topic")
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    for position, (slug, en, zh) in enumerate(TOPICS):
        Topic.objects.update_or_create(slug=slug, defaults={"name_en": en, "name_zh": zh, "position": position})


def backwards(apps, schema_editor):
    apps.get_model("accounts", "Topic").objects.filter(slug__in=[t[0] for t in TOPICS]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(forwards, backwards)]
