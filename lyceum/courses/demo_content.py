"""The demo catalog's text: instructors, courses, outlines and quizzes (used by ``demo.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

# key -> (e-mail local part, display name, locale). "ada" is accounts' demo instructor.
INSTRUCTORS = {
    "ada": ("instructor", "Dr. Ada Chen 陈老师", "en"),
    "wang": ("wang.lei", "王磊 Wang Lei", "zh-hans"),
    "maria": ("maria.santos", "Maria Santos", "en"),
    "li": ("li.na", "李娜 Li Na", "zh-hans"),
}


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    language: str  # "en" | "zh-hans"
    category: str  # accounts.Topic slug
    level: str
    hours: str
    free: bool
    title: str
    subtitle: str
    teachers: tuple[str, ...]
    tags: tuple[str, ...]
    description: str
    objectives: tuple[str, ...]
    modules: tuple[tuple[str, tuple[str, ...]], ...]
    requires: tuple[str, ...] = ()
    video: bool = False
    quiz: tuple[tuple[str, str, str, tuple[tuple[str, bool], ...], tuple[str, ...]], ...] = field(default=())


EN, ZH = "en", "zh-hans"
BEG, MID, ADV = "beginner", "intermediate", "advanced"


def _tf(truth: bool, lang: str) -> tuple[tuple[str, bool], ...]:
    yes, no = ("True", "False") if lang == EN else ("正确", "错误")
    return ((yes, truth), (no, not truth))


COURSES: list[CourseSpec] = [
    CourseSpec(
        slug="python-zero-to-one", language=ZH, category="programming", level=BEG, hours="12", free=True,
        title="零基础学Python编程入门", subtitle="从变量到函数，30 天写出第一个实用小工具",
        teachers=("ada",), tags=("Python", "编程入门"), video=True,
        description=(
            "没有任何编程基础？没关系。这门课用**生活中的例子**带你认识 Python：变量像贴了标签的盒子，"
            "循环像每天的打卡，函数像一个可以反复使用的菜谱。\n\n"
            "每一节课都配有可以直接运行的小练习。学完之后，你能独立写出整理文件、统计表格、"
            "自动发送提醒这样的小工具。\n\n**适合谁：** 想转行、想提高工作效率、或者单纯好奇编程的你。"
        ),
        objectives=("安装 Python 并运行第一个程序", "理解变量、列表、字典和循环", "编写和调用自己的函数",
                    "用 Python 自动处理文件和表格"),
        modules=(
            ("第一章 准备开始", ("安装 Python 与编辑器", "第一个程序：你好，世界", "变量与数据类型")),
            ("第二章 控制流程", ("条件判断 if", "for 循环与 while 循环", "列表与字典")),
            ("第三章 函数与实战", ("定义函数", "读取和写入文件", "实战：批量重命名照片")),
        ),
        quiz=(
            ("single", "下面哪一行代码能输出 `hello`？", "print 是 Python 3 中的函数，需要括号。",
             (("print hello", False), ("print('hello')", True), ("echo 'hello'", False)), ()),
            ("multiple", "下面哪些是 Python 的内置数据类型？", "list、dict 和 str 都是内置类型；array 需要导入模块。",
             (("list", True), ("dict", True), ("str", True), ("array", False)), ()),
            ("true_false", "Python 用缩进来表示代码块。", "没错，Python 不使用大括号，缩进本身就是语法。",
             _tf(True, ZH), ()),
            ("short", "定义函数使用哪个关键字？", "`def` 后面跟函数名和括号。", (), ("def",)),
        ),
    ),
    CourseSpec(
        slug="python-for-everyone", language=EN, category="programming", level=BEG, hours="10", free=True,
        title="Python for Everyone", subtitle="Variables, loops and functions, explained with everyday examples",
        teachers=("ada",), tags=("Python", "beginner friendly"), video=True,
        description=(
            "Python is the friendliest first programming language, and this course treats it that way. "
            "We write small, useful programs from the first lesson: a tip calculator, a to-do list, "
            "a script that tidies your downloads folder.\n\n"
            "No maths beyond arithmetic, no prior experience. Every lesson ends with an exercise and a "
            "worked solution.\n\n**You will need:** a computer and about two hours a week."
        ),
        objectives=("Install Python and run scripts", "Use variables, lists, dictionaries and loops",
                    "Write your own functions", "Read and write files"),
        modules=(
            ("Getting started", ("Installing Python", "Your first script", "Numbers, strings and variables")),
            ("Making decisions", ("Conditions with if", "Loops", "Lists and dictionaries")),
            ("Functions and files", ("Writing functions", "Working with files", "Project: a to-do list app")),
        ),
        quiz=(
            ("single", "What does `len([1, 2, 3])` return?", "`len` counts the items of a list.",
             (("2", False), ("3", True), ("6", False)), ()),
            ("multiple", "Which of these are loops in Python?",
             "Python has `for` and `while`; `repeat` is not a keyword.",
             (("for", True), ("while", True), ("repeat", False)), ()),
            ("true_false", "A Python list can hold values of different types.", "Lists accept any mix of values.",
             _tf(True, EN), ()),
            ("short", "Which keyword returns a value from a function?", "`return` ends the function with a value.",
             (), ("return",)),
        ),
    ),
    CourseSpec(
        slug="git-and-github", language=EN, category="programming", level=BEG, hours="4", free=True,
        title="Git and GitHub for Beginners", subtitle="Save your work, undo mistakes and collaborate with confidence",
        teachers=("ada",), tags=("Git", "tools"),
        description=(
            "Git is how software teams keep history and work together. This short course covers the "
            "twenty percent of Git you will use every day: commits, branches, merges and pull requests.\n\n"
            "We practise on a real repository and deliberately break things, so you learn how to recover."
        ),
        objectives=("Create commits with clear messages", "Work on branches and merge them",
                    "Resolve a merge conflict", "Open and review a pull request"),
        modules=(
            ("Everyday Git", ("What version control is for", "Commits and the staging area", "Reading the history")),
            ("Working with others", ("Branches and merges", "Fixing merge conflicts", "Pull requests on GitHub")),
        ),
    ),
    CourseSpec(
        slug="web-frontend-basics", language=ZH, category="programming", level=BEG, hours="15", free=True,
        title="Web 前端开发入门：HTML、CSS 与 JavaScript", subtitle="亲手做出一个响应式个人主页",
        teachers=("ada",), tags=("前端", "JavaScript"), video=True,
        description=(
            "网页由三部分组成：**HTML** 负责结构，**CSS** 负责样式，**JavaScript** 负责交互。"
            "本课程从一个空白文件开始，一步步做出能在手机和电脑上都好看的个人主页。\n\n"
            "课程最后，你会把作品发布到互联网上，分享给朋友。"
        ),
        objectives=("写出语义清晰的 HTML", "用 Flexbox 和 Grid 排版", "用 JavaScript 响应用户操作", "把网站发布上线"),
        modules=(
            ("HTML 基础", ("网页是怎样工作的", "常用标签与语义化", "表单与链接")),
            ("CSS 样式", ("选择器与盒模型", "Flexbox 布局", "响应式设计")),
            ("JavaScript 交互", ("变量与函数", "操作 DOM", "实战：暗色模式开关")),
        ),
    ),
    CourseSpec(
        slug="django-web-apps", language=EN, category="programming", level=MID, hours="18", free=False,
        title="Web Applications with Django", subtitle="Models, views, templates and deployment, the Django way",
        teachers=("ada",), tags=("Python", "Django", "web development"), requires=("python-for-everyone",),
        description=(
            "Django powers sites from small community projects to very large platforms. In this course "
            "you build a complete reading-list app: data models, forms, user accounts, tests and deployment.\n\n"
            "You should be comfortable with Python functions and dictionaries before you start."
        ),
        objectives=("Design models and migrations", "Write views, templates and forms",
                    "Add user accounts and permissions", "Test and deploy a Django project"),
        modules=(
            ("Foundations", ("Projects and apps", "Models and migrations", "The admin")),
            ("Pages and forms", ("Views and URLs", "Templates", "Forms and validation")),
            ("Shipping", ("Writing tests", "Security checklist", "Deploying to a server")),
        ),
    ),
    CourseSpec(
        slug="algorithms-in-python", language=EN, category="programming", level=ADV, hours="22", free=False,
        title="Data Structures and Algorithms in Python", subtitle="Think in complexity, pass the coding interview",
        teachers=("ada",), tags=("Python", "algorithms", "interviews"), requires=("python-for-everyone",),
        description=(
            "Arrays, hash maps, trees, graphs and the algorithms that use them, implemented from scratch "
            "in Python and analysed with big-O notation.\n\nEach module ends with interview-style problems "
            "and discussion of several solutions."
        ),
        objectives=("Analyse time and space complexity", "Implement core data structures",
                    "Use recursion and dynamic programming", "Solve graph problems with BFS and DFS"),
        modules=(
            ("Complexity and arrays", ("Big-O notation", "Arrays and two pointers", "Hash maps")),
            ("Trees and graphs", ("Binary search trees", "Breadth-first search", "Depth-first search")),
            ("Techniques", ("Recursion", "Dynamic programming", "Greedy algorithms")),
        ),
    ),
    CourseSpec(
        slug="sql-for-analysts", language=EN, category="data", level=BEG, hours="8", free=True,
        title="SQL for Data Analysts", subtitle="Ask your database questions and get answers in minutes",
        teachers=("ada",), tags=("SQL", "data analysis"),
        description=(
            "SQL is the language of data. You will query a realistic online-shop database: filter orders, "
            "join customers, group revenue by month and find your best products.\n\n"
            "No installation needed beyond a free database browser."
        ),
        objectives=("Filter and sort rows with SELECT", "Join tables correctly", "Aggregate with GROUP BY",
                    "Write window functions for running totals"),
        modules=(
            ("Querying", ("SELECT and WHERE", "Sorting and limiting", "NULL and missing values")),
            ("Combining data", ("Inner and outer joins", "GROUP BY and HAVING", "Window functions")),
        ),
        quiz=(
            ("single", "Which clause filters groups after aggregation?",
             "`WHERE` filters rows, `HAVING` filters groups.",
             (("WHERE", False), ("HAVING", True), ("ORDER BY", False)), ()),
            ("multiple", "Which are aggregate functions?", "COUNT, SUM and AVG aggregate; UPPER works on one value.",
             (("COUNT", True), ("SUM", True), ("AVG", True), ("UPPER", False)), ()),
            ("true_false", "An INNER JOIN keeps rows without a match in the other table.",
             "Only a LEFT/RIGHT/FULL OUTER JOIN keeps unmatched rows.", _tf(False, EN), ()),
            ("short", "Which keyword removes duplicate rows from a result?", "`SELECT DISTINCT ...`", (),
             ("DISTINCT",)),
        ),
    ),
    CourseSpec(
        slug="data-analysis-with-pandas", language=EN, category="data", level=MID, hours="14", free=False,
        title="Data Analysis with pandas", subtitle="Clean, reshape and summarise real data sets",
        teachers=("ada",), tags=("Python", "pandas", "data analysis"), requires=("python-for-everyone",),
        video=True,
        description=(
            "pandas is the workhorse of data analysis in Python. We work through three real data sets — "
            "city bike trips, a retail sales ledger and a public health survey — and answer concrete "
            "questions with tidy, reproducible notebooks.\n\n"
            "**Prerequisite:** *Python for Everyone* or equivalent experience."
        ),
        objectives=("Load CSV and Excel data into DataFrames", "Clean missing and messy values",
                    "Group, pivot and merge tables", "Plot results and share a notebook"),
        modules=(
            ("DataFrames", ("Series and DataFrames", "Selecting rows and columns", "Reading CSV and Excel files")),
            ("Cleaning", ("Missing values", "Text and dates", "Tidy data")),
            ("Analysis", ("groupby and aggregation", "Pivot tables and merges", "Plotting with pandas")),
        ),
        quiz=(
            ("single", "Which method shows the first rows of a DataFrame?", "`df.head()` shows five rows by default.",
             (("df.first()", False), ("df.head()", True), ("df.top()", False)), ()),
            ("multiple", "Which calls deal with missing values?", "`dropna` and `fillna` handle NaN; `merge` joins.",
             (("dropna", True), ("fillna", True), ("merge", False)), ()),
            ("true_false", "`groupby` returns the grouped result immediately, without an aggregation.",
             "It returns a lazy GroupBy object; you aggregate it with sum, mean and so on.", _tf(False, EN), ()),
            ("short", "Which function reads a CSV file into a DataFrame? (pd.____)", "`pd.read_csv(path)`.", (),
             ("read_csv", "pd.read_csv")),
        ),
    ),
    CourseSpec(
        slug="pandas-data-analysis-zh", language=ZH, category="data", level=MID, hours="16", free=False,
        title="用 pandas 做数据分析实战", subtitle="电商、运营、财务三大场景案例",
        teachers=("li", "ada"), tags=("Python", "pandas", "数据分析"), requires=("python-zero-to-one",),
        description=(
            "本课程面向已经掌握 Python 基础的同学，用真实业务数据讲解数据清洗、分组汇总与可视化。\n\n"
            "- 电商：复购率和客单价分析\n- 运营：活动效果评估\n- 财务：月度报表自动化\n\n"
            "学完即可把每周重复的 Excel 工作交给代码。"
        ),
        objectives=("读取和清洗业务数据", "掌握 groupby 与数据透视表", "合并多张数据表", "自动生成周报图表"),
        modules=(
            ("数据读取与清洗", ("DataFrame 基础", "处理缺失值与异常值", "日期与文本处理")),
            ("分析与汇总", ("分组聚合 groupby", "数据透视表", "多表合并")),
            ("可视化与自动化", ("用图表讲故事", "自动生成周报", "综合案例：电商复购分析")),
        ),
    ),
    CourseSpec(
        slug="excel-data-visualisation", language=ZH, category="data", level=BEG, hours="6", free=True,
        title="Excel 数据处理与可视化", subtitle="函数、透视表与图表，职场人的必备技能",
        teachers=("li",), tags=("Excel", "数据分析"),
        description=(
            "会用 Excel 和用好 Excel 是两回事。本课程讲解最常用的 20 个函数、数据透视表和商务图表，"
            "帮你把两小时的工作缩短到十分钟。"
        ),
        objectives=("熟练使用 VLOOKUP、XLOOKUP 等查找函数", "用数据透视表汇总数据", "做出清晰的商务图表"),
        modules=(
            ("函数", ("常用统计函数", "查找函数 XLOOKUP", "条件函数与嵌套")),
            ("透视表与图表", ("数据透视表入门", "切片器与动态报表", "商务图表设计")),
        ),
    ),
    CourseSpec(
        slug="data-visualisation-storytelling", language=EN, category="data", level=MID, hours="7", free=False,
        title="Data Visualisation and Storytelling", subtitle="Charts that people understand and remember",
        teachers=("maria",), tags=("data visualisation", "presentation"),
        description=(
            "A good chart answers one question at a glance. Learn to pick the right chart, remove clutter, "
            "use colour with purpose and build a narrative from your analysis to your recommendation."
        ),
        objectives=("Choose the right chart for the question", "Design clean, accessible charts",
                    "Structure a data story for decision makers"),
        modules=(
            ("Seeing clearly", ("How we read charts", "Choosing a chart", "Colour and accessibility")),
            ("Telling the story", ("From analysis to message", "Dashboards that get used", "Presenting to executives")),
        ),
    ),
    CourseSpec(
        slug="machine-learning-foundations", language=EN, category="ai", level=MID, hours="20", free=False,
        title="Machine Learning Foundations", subtitle="From linear regression to model evaluation with scikit-learn",
        teachers=("ada",), tags=("machine learning", "scikit-learn", "Python"),
        requires=("data-analysis-with-pandas",), video=True,
        description=(
            "Understand how machines learn from data — without drowning in formulas. We build intuition "
            "with pictures first, then train real models with scikit-learn and learn to judge them honestly.\n\n"
            "**Prerequisite:** *Data Analysis with pandas*."
        ),
        objectives=("Frame a problem as supervised learning", "Train regression and classification models",
                    "Evaluate models with cross-validation", "Avoid overfitting and data leakage"),
        modules=(
            ("Learning from data", ("What machine learning is", "Linear regression", "Gradient descent intuition")),
            ("Classification", ("Logistic regression", "Decision trees and random forests", "Feature engineering")),
            ("Evaluation", ("Train, validation and test sets", "Cross-validation", "Precision, recall and ROC")),
        ),
        quiz=(
            ("single", "Which technique estimates performance on unseen data most reliably?",
             "Cross-validation averages over several train/validation splits.",
             (("Training accuracy", False), ("Cross-validation", True), ("Adding more features", False)), ()),
            ("multiple", "Which are signs of overfitting?",
             "High training and low validation scores signal overfitting.",
             (("Training score far above validation score", True), ("Very complex model on little data", True),
              ("Similar training and validation scores", False)), ()),
            ("true_false", "Scaling features can change the result of k-nearest neighbours.",
             "Distance-based models depend on feature scale.", _tf(True, EN), ()),
            ("short", "Which scikit-learn method trains a model?", "Every estimator has `fit(X, y)`.", (),
             ("fit", "fit()")),
        ),
    ),
    CourseSpec(
        slug="deep-learning-with-pytorch", language=EN, category="ai", level=ADV, hours="24", free=False,
        title="Deep Learning with PyTorch", subtitle="Neural networks for images and text, from tensors to deployment",
        teachers=("ada",), tags=("deep learning", "PyTorch", "neural networks"),
        requires=("machine-learning-foundations",),
        description=(
            "Build and train neural networks with PyTorch: tensors and autograd, convolutional networks for "
            "images, transformers for text, and the practical craft of making training work."
        ),
        objectives=("Write training loops with autograd", "Train convolutional networks",
                    "Fine-tune a pretrained transformer", "Export a model for serving"),
        modules=(
            ("Tensors and training", ("Tensors and autograd", "Your first neural network", "Optimisers and schedules")),
            ("Vision and language", ("Convolutional networks", "Transfer learning", "Transformers for text")),
        ),
    ),
    CourseSpec(
        slug="machine-learning-zh", language=ZH, category="ai", level=MID, hours="18", free=False,
        title="机器学习入门：从原理到实践", subtitle="用直观的图解理解算法，用代码解决真实问题",
        teachers=("ada", "li"), tags=("机器学习", "Python", "人工智能"), requires=("pandas-data-analysis-zh",),
        description=(
            "机器学习并不神秘。本课程先用图解讲清楚每个算法的直觉，再用 scikit-learn 动手实现，"
            "最后完成房价预测和用户流失预测两个项目。"
        ),
        objectives=("理解监督学习与无监督学习", "掌握线性回归、决策树与聚类", "正确评估模型效果", "完成两个完整项目"),
        modules=(
            ("基础概念", ("什么是机器学习", "线性回归", "过拟合与正则化")),
            ("常用算法", ("逻辑回归与分类", "决策树与随机森林", "K-Means 聚类")),
            ("项目实战", ("房价预测", "用户流失预测", "模型上线与监控")),
        ),
    ),
    CourseSpec(
        slug="prompt-engineering-zh", language=ZH, category="ai", level=BEG, hours="6", free=True,
        title="AI 提示词工程实战", subtitle="让大模型成为你的工作助手",
        teachers=("wang",), tags=("人工智能", "大模型", "效率"),
        description=(
            "同样的大模型，不同的提问方式，结果天差地别。本课程总结了写作、分析、编程和学习中"
            "最有效的提示词模式，并教你如何核实 AI 的回答。"
        ),
        objectives=("掌握结构化提示词的写法", "用大模型辅助写作与分析", "识别和避免 AI 的常见错误"),
        modules=(
            ("提示词基础", ("大模型能做什么、不能做什么", "角色、任务与格式", "给出示例")),
            ("工作场景", ("写作与润色", "数据分析助手", "核实与引用")),
        ),
    ),
    CourseSpec(
        slug="building-llm-apps", language=EN, category="ai", level=ADV, hours="15", free=False,
        title="Building Apps with Large Language Models", subtitle="Retrieval, tools and evaluation for real products",
        teachers=("ada",), tags=("large language models", "Python", "AI products"), requires=("python-for-everyone",),
        description=(
            "Go beyond the chat window. Design LLM features that are grounded in your data, call tools safely "
            "and are measured with proper evaluations before they reach users."
        ),
        objectives=("Design retrieval-augmented generation", "Let models call tools safely",
                    "Evaluate LLM features with test sets", "Control cost and latency"),
        modules=(
            ("Foundations", ("How language models work", "Prompting as an API", "Embeddings and retrieval")),
            ("Products", ("Tool use and agents", "Evaluation and monitoring", "Cost, latency and privacy")),
        ),
    ),
    CourseSpec(
        slug="ux-design-fundamentals", language=EN, category="design", level=BEG, hours="9", free=False,
        title="UX Design Fundamentals", subtitle="Research, wireframes and usability testing for your first product",
        teachers=("maria",), tags=("UX", "design thinking"), video=True,
        description=(
            "Good user experience is designed, not decorated. Follow one product idea from interviews to "
            "tested prototype and learn the core UX toolkit along the way: personas, journeys, wireframes "
            "and usability tests."
        ),
        objectives=("Plan and run user interviews", "Map user journeys", "Sketch and wireframe screens",
                    "Run a usability test and act on it"),
        modules=(
            ("Understand", ("What UX design is", "User interviews", "Personas and journeys")),
            ("Design", ("Information architecture", "Wireframes", "Prototyping")),
            ("Test", ("Usability testing", "Accessibility basics", "Iterating on feedback")),
        ),
        quiz=(
            ("single", "How many participants usually reveal most usability problems in one round?",
             "Around five users uncover most issues of a single design iteration.",
             (("1", False), ("5", True), ("50", False)), ()),
            ("multiple", "Which are research methods?",
             "Interviews and card sorting are research; kerning is typography.",
             (("User interviews", True), ("Card sorting", True), ("Kerning", False)), ()),
            ("true_false", "A wireframe should use final colours and images.",
             "Wireframes stay low-fidelity on purpose.",
             _tf(False, EN), ()),
            ("short", "What do we call a fictional, research-based user profile?", "A persona summarises research.",
             (), ("persona", "a persona")),
        ),
    ),
    CourseSpec(
        slug="user-research-methods", language=EN, category="design", level=MID, hours="6", free=False,
        title="User Research Methods", subtitle="Ask better questions, observe behaviour, synthesise insight",
        teachers=("maria",), tags=("UX", "user research"), requires=("ux-design-fundamentals",),
        description=(
            "Choose the right research method for the question, recruit participants and turn notes into decisions."
        ),
        objectives=("Choose qualitative or quantitative methods", "Write an interview guide", "Synthesise findings"),
        modules=(
            ("Planning", ("Research questions", "Recruiting participants", "Interview guides")),
            ("Synthesis", ("Affinity mapping", "Jobs to be done", "Sharing insights")),
        ),
    ),
    CourseSpec(
        slug="figma-ui-design-zh", language=ZH, category="design", level=BEG, hours="10", free=False,
        title="Figma 界面设计从入门到精通", subtitle="组件、自动布局与设计系统",
        teachers=("li",), tags=("Figma", "UI 设计"),
        description=(
            "Figma 是目前最流行的界面设计工具。本课程从基础操作讲起，到组件、自动布局和变量，"
            "最后搭建一套小型设计系统。"
        ),
        objectives=("熟练使用 Figma 基础工具", "用自动布局做出自适应界面", "建立组件库与设计系统"),
        modules=(
            ("基础操作", ("界面与常用工具", "图层与画板", "文字与颜色")),
            ("进阶", ("组件与变体", "自动布局", "设计系统")),
        ),
    ),
    CourseSpec(
        slug="product-manager-intro", language=ZH, category="product", level=BEG, hours="10", free=False,
        title="产品经理入门", subtitle="从需求分析到产品上线的完整方法",
        teachers=("wang",), tags=("产品经理", "需求分析"), video=True,
        description=(
            "产品经理是做什么的？本课程用一个真实的 App 迭代过程，讲清楚**需求分析、原型设计、"
            "项目推进和数据复盘**四件事。\n\n适合应届生、转行者和刚上任的产品经理。"
        ),
        objectives=("区分用户需求与产品需求", "写出清晰的需求文档", "画出可交互原型", "用数据评估上线效果"),
        modules=(
            ("认识产品经理", ("产品经理的一天", "用户需求与产品需求", "竞品分析")),
            ("从需求到原型", ("需求文档怎么写", "原型设计", "需求评审")),
            ("上线与复盘", ("项目管理与排期", "数据指标", "版本复盘")),
        ),
        quiz=(
            ("single", "“用户说想要一匹更快的马”，产品经理首先应该做什么？", "先理解背后的真实需求：更快地到达目的地。",
             (("马上去找更快的马", False), ("追问背后的真实需求", True), ("忽略这个反馈", False)), ()),
            ("multiple", "以下哪些属于常见的产品数据指标？", "DAU、留存率和转化率都是常用指标。",
             (("日活跃用户 DAU", True), ("留存率", True), ("转化率", True), ("代码行数", False)), ()),
            ("true_false", "需求文档写完后就不需要再修改。", "需求会随着评审和反馈不断迭代。", _tf(False, ZH), ()),
            ("short", "最小可行产品的英文缩写是什么？", "MVP：Minimum Viable Product。", (), ("MVP",)),
        ),
    ),
    CourseSpec(
        slug="product-metrics", language=EN, category="product", level=MID, hours="5", free=False,
        title="Product Metrics that Matter", subtitle="North-star metrics, funnels and experiments",
        teachers=("wang",), tags=("product management", "analytics"),
        description="Pick a north-star metric, build funnels and cohorts, and run A/B tests you can trust.",
        objectives=("Define a north-star metric", "Read funnels and cohorts", "Design an A/B test"),
        modules=(
            ("Measuring", ("North-star metrics", "Funnels", "Retention cohorts")),
            ("Experimenting", ("A/B test design", "Statistical significance", "Common pitfalls")),
        ),
    ),
    CourseSpec(
        slug="growth-hacking-zh", language=ZH, category="marketing", level=MID, hours="8", free=False,
        title="增长黑客：用户增长实战", subtitle="拉新、激活、留存、变现的系统方法",
        teachers=("wang",), tags=("用户增长", "运营"),
        description="基于 AARRR 模型拆解增长，配合十个真实案例，教你设计低成本、可验证的增长实验。",
        objectives=("理解 AARRR 增长模型", "设计增长实验", "提升用户留存"),
        modules=(
            ("增长模型", ("AARRR 模型", "找到北极星指标", "增长实验流程")),
            ("增长实战", ("拉新渠道", "激活与新手引导", "留存与召回")),
        ),
    ),
    CourseSpec(
        slug="content-marketing", language=EN, category="marketing", level=BEG, hours="5", free=True,
        title="Content Marketing that Converts", subtitle="Plan, write and distribute content your audience wants",
        teachers=("maria",), tags=("marketing", "content"),
        description="Build a content plan around real audience questions, write useful posts and measure what works.",
        objectives=("Research audience questions", "Plan an editorial calendar", "Measure content performance"),
        modules=(
            ("Strategy", ("Knowing your audience", "Content pillars", "Editorial calendars")),
            ("Execution", ("Writing useful posts", "Distribution channels", "Measuring results")),
        ),
    ),
    CourseSpec(
        slug="business-english-speaking", language=ZH, category="languages", level=MID, hours="12", free=False,
        title="商务英语口语", subtitle="会议、邮件与谈判中的地道表达",
        teachers=("li",), tags=("英语", "商务英语", "口语"), video=True,
        description=(
            "在外企开会不敢开口？邮件总是写得很生硬？本课程精选 200 个职场高频表达，"
            "通过情景对话练习**会议发言、电话沟通、商务邮件和谈判**。"
        ),
        objectives=("自信地在会议上发言", "写出得体的商务邮件", "掌握谈判中的礼貌表达", "做简短的英文汇报"),
        modules=(
            ("会议与沟通", ("自我介绍与寒暄", "会议中表达观点", "电话与视频会议")),
            ("邮件与汇报", ("商务邮件的结构", "常用邮件句型", "英文工作汇报")),
            ("谈判", ("提出与回应报价", "委婉地拒绝", "达成一致")),
        ),
        quiz=(
            ("single", "想在会议中礼貌地插话，哪句最合适？", "“Sorry to interrupt, but...” 既礼貌又直接。",
             (("Stop talking.", False), ("Sorry to interrupt, but may I add something?", True),
              ("Listen to me!", False)), ()),
            ("multiple", "以下哪些适合作为正式邮件的结尾？", "Best regards 和 Kind regards 都很得体。",
             (("Best regards", True), ("Kind regards", True), ("See ya", False)), ()),
            ("true_false", "“I'm afraid we can't accept this offer.” 是一种委婉的拒绝。", "I'm afraid 让拒绝更礼貌。",
             _tf(True, ZH), ()),
            ("short", "“议程”的英文单词是什么？", "agenda：会议议程。", (), ("agenda",)),
        ),
    ),
    CourseSpec(
        slug="english-pronunciation-30", language=ZH, category="languages", level=BEG, hours="6", free=True,
        title="英语发音纠正 30 讲", subtitle="音标、连读与语调，说出自然的英语",
        teachers=("li",), tags=("英语", "发音"),
        description="从 48 个音标开始，逐一纠正中国学习者最常见的发音问题，再练习连读、弱读和语调。",
        objectives=("掌握 48 个国际音标", "纠正常见发音错误", "学会连读与语调"),
        modules=(
            ("音标", ("元音", "辅音", "容易混淆的音")),
            ("自然语流", ("连读", "弱读与重音", "语调")),
        ),
    ),
    CourseSpec(
        slug="mandarin-for-beginners", language=EN, category="languages", level=BEG, hours="10", free=True,
        title="Mandarin Chinese for Beginners", subtitle="Pinyin, tones and 300 everyday words",
        teachers=("li",), tags=("Chinese", "Mandarin", "languages"),
        description=(
            "Start speaking Mandarin from the first lesson. Learn pinyin and the four tones, then greetings, "
            "numbers, food and directions — with audio drills and simple characters."
        ),
        objectives=("Read pinyin and pronounce the four tones", "Introduce yourself", "Order food and ask directions"),
        modules=(
            ("Sounds", ("Pinyin initials and finals", "The four tones", "Tone changes")),
            ("Everyday Chinese", ("Greetings and introductions", "Numbers and money", "Food and directions")),
        ),
    ),
    CourseSpec(
        slug="resume-and-interviews-zh", language=ZH, category="career", level=BEG, hours="4", free=True,
        title="求职简历与面试通关", subtitle="写出让 HR 眼前一亮的简历",
        teachers=("wang",), tags=("求职", "面试"),
        description="用 STAR 法则梳理经历，写出结果导向的简历，并准备行为面试和薪资谈判。",
        objectives=("用 STAR 法则描述经历", "写出一页纸简历", "从容应对行为面试"),
        modules=(
            ("简历", ("简历的结构", "STAR 法则", "常见简历错误")),
            ("面试", ("行为面试", "提问环节", "薪资谈判")),
        ),
    ),
    CourseSpec(
        slug="time-management-zh", language=ZH, category="career", level=BEG, hours="3", free=True,
        title="高效能时间管理", subtitle="告别拖延，把时间花在重要的事情上",
        teachers=("wang",), tags=("效率", "时间管理"),
        description="结合四象限法、番茄工作法和周计划复盘，建立一套适合自己的时间管理系统。",
        objectives=("区分重要与紧急", "用番茄工作法保持专注", "做周计划和复盘"),
        modules=(("方法", ("四象限法", "番茄工作法", "周计划与复盘")),),
    ),
    CourseSpec(
        slug="thriving-in-remote-work", language=EN, category="career", level=BEG, hours="3", free=True,
        title="Thriving in Remote Work", subtitle="Communication, focus and boundaries for distributed teams",
        teachers=("maria",), tags=("remote work", "productivity"),
        description="Practical habits for remote work: writing things down, async communication and protecting focus.",
        objectives=("Communicate asynchronously", "Run effective remote meetings", "Set healthy boundaries"),
        modules=(("Working apart", ("Async communication", "Remote meetings", "Focus and boundaries")),),
    ),
    CourseSpec(
        slug="personal-finance-zh", language=ZH, category="finance", level=BEG, hours="5", free=True,
        title="个人理财入门：预算、储蓄与基金定投", subtitle="普通人也能学会的理财方法",
        teachers=("wang",), tags=("理财", "基金"),
        description="从记账和预算开始，建立应急金，了解指数基金与定投，避开常见的理财陷阱。",
        objectives=("做出月度预算", "建立应急储备金", "理解指数基金定投"),
        modules=(
            ("打好基础", ("记账与预算", "应急储备金", "保险的作用")),
            ("开始投资", ("认识指数基金", "基金定投", "常见理财陷阱")),
        ),
        quiz=(
            ("single", "应急储备金一般建议覆盖几个月的生活开支？", "通常建议 3 到 6 个月。",
             (("1 周", False), ("3 到 6 个月", True), ("5 年", False)), ()),
            ("multiple", "以下哪些是指数基金的特点？", "指数基金费率低、分散投资，但不保证收益。",
             (("费率较低", True), ("分散投资", True), ("保证不亏损", False)), ()),
            ("true_false", "定投可以完全消除投资风险。", "定投能平滑成本，但不能消除市场风险。", _tf(False, ZH), ()),
            ("short", "“复利”被爱因斯坦称为世界第几大奇迹？（填数字）", "这是一个流传很广的说法：第八大奇迹。", (),
             ("8", "八")),
        ),
    ),
    CourseSpec(
        slug="investing-basics", language=EN, category="finance", level=BEG, hours="6", free=False,
        title="Investing Basics: Index Funds and Risk", subtitle="Build a simple, low-cost portfolio you can stick to",
        teachers=("wang",), tags=("investing", "personal finance"),
        description="Understand risk and return, diversification and fees, and build a simple index-fund portfolio.",
        objectives=("Explain risk and return", "Compare fund fees", "Build a diversified portfolio"),
        modules=(
            ("Principles", ("Risk and return", "Diversification", "The cost of fees")),
            ("Practice", ("Index funds and ETFs", "Asset allocation", "Staying the course")),
        ),
    ),
    CourseSpec(
        slug="clear-technical-english", language=EN, category="writing", level=MID, hours="5", free=False,
        title="Writing Clear Technical English", subtitle="Docs, emails and reports that people actually read",
        teachers=("maria",), tags=("writing", "technical writing"),
        description=(
            "Plain-language techniques for documentation, design docs and status reports, with before/after edits."
        ),
        objectives=("Structure documents for scanning", "Write plain, precise sentences", "Edit your own drafts"),
        modules=(
            ("Clarity", ("Know your reader", "Plain language", "Structure and headings")),
            ("Practice", ("Design documents", "Status reports", "Editing checklist")),
        ),
    ),
    CourseSpec(
        slug="new-media-writing-zh", language=ZH, category="writing", level=BEG, hours="6", free=False,
        title="新媒体写作：写出 10 万+ 爆款文章", subtitle="选题、标题、结构与排版",
        teachers=("li",), tags=("写作", "新媒体"),
        description="拆解上百篇爆款文章，总结选题、标题、开头和结构的方法，帮你写出读者愿意转发的内容。",
        objectives=("找到好选题", "写出吸引人的标题", "搭建清晰的文章结构"),
        modules=(
            ("选题与标题", ("如何找选题", "标题的五种写法", "开头的黄金三秒")),
            ("结构与传播", ("文章结构", "排版与配图", "数据复盘")),
        ),
    ),
]  # fmt: skip

# Lesson bodies are composed from these (chosen with the demo's random generator).
PARAGRAPHS = {
    EN: (
        "This lesson is about **{lesson}**. We start from a concrete example, name the idea behind it, "
        "and then practise it until it feels natural.",
        "Most learners find that {lesson_lower} clicks once they try it on their own material. Keep a small "
        "notebook of examples as you go: you will reuse them later in *{course}*.",
        "We move in small steps. Each step has a short explanation, an example you can copy, and a question "
        "to check that you are ready for the next one.",
        "There is rarely a single right answer. Compare your attempt with the worked example and write down "
        "one thing you would do differently next time.",
        "Professionals use {lesson_lower} every day, usually without noticing. By the end of this lesson you "
        "will recognise it in your own work too.",
    ),
    ZH: (
        "本节课的主题是**{lesson}**。我们先看一个具体的例子，再总结背后的思路，最后通过练习把它变成自己的技能。",
        "很多同学在自己动手之后，才真正理解了「{lesson}」。建议准备一个笔记本，记录学到的例子，"
        "后面的《{course}》课程中还会反复用到。",
        "我们一步一步来：每一步都有简短的讲解、可以照着做的示例，以及一个检验是否掌握的小问题。",
        "这里通常没有唯一的标准答案。把你的结果和示例对比一下，写下下次可以改进的一点。",
        "在实际工作中，「{lesson}」几乎每天都会用到。学完这一节，你会在自己的工作中发现它的身影。",
    ),
}
EXERCISES = {
    EN: (
        "Redo the worked example with your own data and compare the results.",
        "Write down three situations this week where you could use {lesson_lower}.",
        "Explain {lesson_lower} to a friend in two sentences, then refine your explanation.",
        "Share your result in the course space and comment on one classmate's work.",
    ),
    ZH: (
        "用你自己的数据重做一遍示例，并比较结果。",
        "写下本周可以用到「{lesson}」的三个场景。",
        "用两句话向朋友解释「{lesson}」，再试着把解释改得更清楚。",
        "把你的练习结果发到课程讨论区，并点评一位同学的作业。",
    ),
}
TIPS = {
    EN: (
        "Short, daily practice beats one long session a week.",
        "Stuck for more than twenty minutes? Ask in the course space.",
        "Keep your notes in your own words; copying rarely sticks.",
    ),
    ZH: (
        "每天练习一小会儿，比每周突击一次更有效。",
        "卡住超过二十分钟？去课程讨论区提问吧。",
        "用自己的话记笔记，照抄很难记住。",
    ),
}
WORDS = {
    EN: {
        "exercise": "Exercise",
        "tip": "Tip",
        "welcome": "Welcome and course tour",
        "welcome_body": (
            "A short video tour of *{course}*: what you will build, how the lessons are organised and how to "
            "get help.\n\n**Transcript.** Welcome! In this course we learn step by step. Watch the lessons in "
            "order, do every exercise, and ask questions in the course space whenever you are stuck."
        ),
        "quiz": "Check your understanding",
        "quiz_body": "Four quick questions on what you have learned. You need 60% to pass; you may retry.",
        "first_version": "First version published.",
    },
    ZH: {
        "exercise": "练习",
        "tip": "小提示",
        "welcome": "课程介绍与学习路线",
        "welcome_body": (
            "用几分钟的视频带你了解《{course}》：你将学会什么、课程如何安排、遇到问题去哪里求助。\n\n"
            "**文字稿：** 欢迎来到本课程！建议按顺序学习每一节课，完成每个练习，有问题随时在课程讨论区提问。"
        ),
        "quiz": "课后测验",
        "quiz_body": "四道小题，检验本课程的学习效果。60 分及格，可以多次尝试。",
        "first_version": "首个版本发布。",
    },
}
