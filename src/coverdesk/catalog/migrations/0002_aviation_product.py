"""Ship the aviation product of domain.md §5 (seed 003): 航空保险综合方案, version 1, published,
in force from 2025-01-01 (so the programme's 2025-12-22 to 2026-12-21 policies use it).

Coverages: 航空器综合险 with its three sections (hull and spare parts all risks, third-party
legal liability, passenger liability with the extended passenger definition); 团体意外伤害保险 for
pilots, aircrew and ground crew (police-duty and non-social-medical-insurance clauses);
飞行员执照丧失保险. Special clauses: added equipment, repair-cost confidentiality, constructive
total loss, police dog on board, authorised pilots only, flight area including the high seas.

FIGURES. The bid gives the agreed value (¥70,000,000 per helicopter, carried by the aircraft
register, which the hull limit follows) and the period; it names the coverages and clauses but
publishes no limit, deductible, rate or per-person sum. Every other figure below is a DEFAULT
chosen as plausible for police helicopters and documented in docs/catalog.md; an administrator
changes them by drafting version 2:
- hull: limit 100% of the agreed value; spare parts ¥5,000,000 per occurrence; partial loss
  deductible 5% of the loss, at least ¥100,000; spare parts ¥20,000; no deductible on a total
  or constructive total loss; rate 1.2% of the agreed value, minimum premium ¥300,000.
- third-party legal liability: ¥20,000,000 per occurrence, ¥40,000,000 aggregate; property
  damage deductible ¥10,000; rate 0.15% of the ¥20,000,000 limit, minimum ¥20,000.
- passenger liability: ¥2,000,000 per person; ¥2,000 per passenger seat, minimum ¥10,000.
- group accident: death/disability ¥3,000,000 pilot, ¥2,000,000 aircrew, ¥1,000,000 ground
  crew; accidental medical expenses ¥100,000 per person with a ¥100 deductible; per head
  ¥9,000 / ¥6,000 / ¥1,200, minimum ¥10,000.
- loss of licence: ¥1,000,000 per pilot; ¥8,000 per pilot; 180-day qualifying period.
- clauses: constructive total loss at 75% of the agreed value; ¥100,000 per police dog (at most
  4 per occurrence); added equipment up to ¥5,000,000 per aircraft, declared within 30 days;
  non-social-medical expenses reimbursed in full up to ¥50,000 per person.
- cancellation: pro rata by day, no fee; the common short-rate table is stored for a switch.
"""

from datetime import date
from decimal import Decimal as D

from django.db import migrations
from django.utils import timezone

PRODUCT = "aviation-programme"
EFFECTIVE_FROM = date(2025, 1, 1)
SHORT_RATE = [
    {"months": m, "earned": e}
    for m, e in [
        (1, "0.10"), (2, "0.20"), (3, "0.30"), (4, "0.40"), (5, "0.50"), (6, "0.60"),
        (7, "0.70"), (8, "0.80"), (9, "0.85"), (10, "0.90"), (11, "0.95"), (12, "1.00"),
    ]
]

# Claim materials: (code, name, name_en, required, green channel)
CLAIM_FORM = ("claim_form", "索赔申请书", "Claim form", True, True)
ACCIDENT_REPORT = ("accident_report", "事故经过说明", "Account of the occurrence", True, True)
LOSS_PHOTOS = ("loss_photos", "受损部位照片或视频", "Photos or video of the damage", True, True)
FLIGHT_LOG = (
    "flight_log", "飞行记录（飞行日志、技术记录本）", "Flight log and aircraft technical log", True,
    False,
)
CREW_LICENCES = (
    "crew_licences", "机组人员执照及授权文件", "Crew licences and authorisations", True, False,
)
INVESTIGATION = (
    "investigation_report", "民航或公安事故调查报告", "Aviation or police accident investigation report",
    True, False,
)
REPAIR_INVOICES = (
    "repair_invoices", "维修发票及费用清单", "Repair invoices and cost list", True, False,
)
CLAIMANT_CLAIM = (
    "claimant_claim", "第三者索赔函或起诉材料", "Third party's claim letter or court filing", True, True,
)
SETTLEMENT = (
    "settlement_document", "和解协议、调解书或判决书", "Settlement agreement, mediation or judgment",
    True, False,
)
MEDICAL_RECORDS = ("medical_records", "病历及诊断证明", "Medical records and diagnosis", True, False)
MEDICAL_INVOICES = ("medical_invoices", "医疗费用原始发票", "Original medical invoices", True, False)
DEATH_CERTIFICATE = ("death_certificate", "死亡证明", "Death certificate", True, True)
INSURED_ID = ("insured_id", "被保险人身份证明", "Insured person's identity document", True, True)
ACCIDENT_PROOF = (
    "accident_proof", "意外事故证明（单位或公安机关出具）",
    "Proof of the accident (from the unit or the police)", True, True,
)
TASK_ORDER = (
    "task_order", "飞行任务单及机上人员名单", "Flight task order and list of persons on board", True,
    True,
)

CHECKLISTS = {
    "hull_all_risks": {
        "hull_partial": [
            CLAIM_FORM, ACCIDENT_REPORT, LOSS_PHOTOS, FLIGHT_LOG, CREW_LICENCES,
            ("repair_quote", "维修方案及报价", "Repair scope and quotation", True, True),
            REPAIR_INVOICES,
            ("investigation_report", "事故调查报告", "Accident investigation report", False, False),
        ],
        "hull_total": [
            CLAIM_FORM, ACCIDENT_REPORT, LOSS_PHOTOS, INVESTIGATION,
            ("ownership_proof", "航空器所有权证明", "Proof of ownership of the aircraft", True, True),
            (
                "registration_certificate", "航空器国籍登记证", "Aircraft nationality registration certificate",
                True, False,
            ),
            FLIGHT_LOG, CREW_LICENCES,
            (
                "salvage_subrogation", "残值处理协议及权益转让书", "Salvage agreement and subrogation transfer",
                True, False,
            ),
        ],
        "spare_parts": [
            CLAIM_FORM, ACCIDENT_REPORT, LOSS_PHOTOS,
            (
                "parts_inventory", "零配件清单及购置凭证", "Inventory of the parts and purchase records",
                True, True,
            ),
            REPAIR_INVOICES,
        ],
    },
    "third_party_liability": {
        "third_party_injury": [
            CLAIM_FORM, ACCIDENT_REPORT, CLAIMANT_CLAIM, MEDICAL_RECORDS, MEDICAL_INVOICES,
            ("death_certificate", "死亡证明", "Death certificate", False, False),
            SETTLEMENT,
        ],
        "third_party_property": [
            CLAIM_FORM, ACCIDENT_REPORT, CLAIMANT_CLAIM,
            (
                "property_loss_proof", "财产损失清单及价值证明", "List of damaged property and proof of value",
                True, True,
            ),
            (
                "restoration_invoices", "修复或重置费用发票", "Repair or replacement invoices", True, False,
            ),
            SETTLEMENT,
        ],
    },
    "passenger_liability": {
        "passenger_injury": [
            CLAIM_FORM, ACCIDENT_REPORT, TASK_ORDER,
            ("victim_identity", "伤亡人员身份证明", "Identity documents of the injured or dead", True, True),
            MEDICAL_RECORDS, MEDICAL_INVOICES,
            ("death_certificate", "死亡证明", "Death certificate", False, False),
        ],
    },
    "aviation_comprehensive": {
        "police_dog": [
            CLAIM_FORM, TASK_ORDER,
            ("dog_record", "警犬档案或登记证明", "Police dog record or registration", True, True),
            (
                "dog_death_proof", "警犬死亡证明（兽医或使用单位出具）",
                "Proof of the dog's death (vet or handling unit)", True, True,
            ),
        ],
    },
    "group_accident": {
        "accidental_death": [
            CLAIM_FORM, INSURED_ID, DEATH_CERTIFICATE, ACCIDENT_PROOF,
            ("household_cancellation", "户籍注销证明", "Household registration cancellation", True, False),
            (
                "beneficiary_documents", "受益人身份证明及关系证明",
                "Beneficiaries' identity and proof of relationship", True, False,
            ),
            ("duty_proof", "执行警务任务证明", "Proof of police duty at the time", False, False),
        ],
        "accidental_disability": [
            CLAIM_FORM, INSURED_ID, ACCIDENT_PROOF,
            ("disability_appraisal", "伤残鉴定报告", "Disability appraisal report", True, False),
            MEDICAL_RECORDS,
            ("duty_proof", "执行警务任务证明", "Proof of police duty at the time", False, False),
        ],
        "medical_expenses": [
            CLAIM_FORM, INSURED_ID, ACCIDENT_PROOF,
            ("medical_records", "病历及诊断证明", "Medical records and diagnosis", True, True),
            ("medical_invoices", "医疗费用原始发票", "Original medical invoices", True, True),
            (
                "expense_list", "费用明细清单（含医保外费用）",
                "Itemised expenses (including those outside social medical insurance)", True, False,
            ),
            (
                "social_insurance_statement", "社会医疗保险结算单", "Social medical insurance settlement",
                False, False,
            ),
        ],
    },
    "pilot_loss_of_licence": {
        "loss_of_licence": [
            CLAIM_FORM,
            ("pilot_licence", "飞行员执照", "Pilot licence", True, True),
            (
                "medical_assessment", "民航体检鉴定结论（不合格）", "Aviation medical assessment (unfit)",
                True, True,
            ),
            MEDICAL_RECORDS,
            (
                "licence_notice", "执照暂停或注销通知", "Notice suspending or cancelling the licence", True,
                False,
            ),
            ("employment_proof", "在职证明", "Proof of employment", False, False),
        ],
    },
}

# code, parent, name, name_en, kind, insured object, description (zh, en)
COVERAGES = [
    (
        "aviation_comprehensive", None, "航空器综合险", "Aviation comprehensive", "package", "aircraft",
        "承保警用直升机机身及零配件、第三者法定责任和乘客法定责任。",
        "Covers the police helicopters' hull and spare parts, third-party legal liability and"
        " passenger legal liability.",
    ),
    (
        "hull_all_risks", "aviation_comprehensive", "机身及零配件一切险",
        "Hull and spare parts all risks", "hull", "aircraft",
        "飞行、滑行及地面停放期间航空器机身及零配件因意外事故造成的损失，按协议价值赔偿。",
        "Accidental loss of or damage to the hull and spare parts in flight, taxiing or on the"
        " ground, indemnified on the agreed value.",
    ),
    (
        "third_party_liability", "aviation_comprehensive", "第三者法定责任险",
        "Third-party legal liability", "liability", "aircraft",
        "航空器造成地面或空中第三者人身伤亡或财产损失，依法应由被保险人承担的赔偿责任。",
        "The insured's legal liability for injury, death or property damage that the aircraft"
        " causes to third parties on the ground or in the air.",
    ),
    (
        "passenger_liability", "aviation_comprehensive", "乘客法定责任险", "Passenger legal liability",
        "liability", "aircraft",
        "机上乘客（按扩展定义）人身伤亡，依法应由被保险人承担的赔偿责任。",
        "The insured's legal liability for injury or death of passengers on board (as extended).",
    ),
    (
        "group_accident", None, "团体意外伤害保险", "Group personal accident", "personal_accident",
        "person",
        "飞行员、空勤人员及地勤人员因意外伤害导致身故、伤残及医疗费用。",
        "Accidental death, disability and medical expenses of pilots, aircrew and ground crew.",
    ),
    (
        "pilot_loss_of_licence", None, "飞行员执照丧失保险", "Pilot loss of licence", "loss_of_licence",
        "person",
        "飞行员因意外或疾病经民航体检鉴定不合格、丧失飞行执照时给付保险金。",
        "Pays a sum when a pilot loses the licence after an aviation medical finds them unfit,"
        " through accident or illness.",
    ),
]

# coverage, kind, basis, amount, share, loss type, person category, note
LIMITS = [
    ("hull_all_risks", "per_occurrence", "agreed_value", None, D("1"), "", "", "协议价值 / agreed value"),
    ("hull_all_risks", "per_occurrence", "amount", D("5000000.00"), None, "spare_parts", "", ""),
    ("third_party_liability", "per_occurrence", "amount", D("20000000.00"), None, "", "", ""),
    ("third_party_liability", "aggregate", "amount", D("40000000.00"), None, "", "", ""),
    ("passenger_liability", "per_person", "amount", D("2000000.00"), None, "", "", ""),
    ("group_accident", "per_person", "amount", D("3000000.00"), None, "", "pilot", "身故/伤残"),
    ("group_accident", "per_person", "amount", D("2000000.00"), None, "", "aircrew", "身故/伤残"),
    ("group_accident", "per_person", "amount", D("1000000.00"), None, "", "ground_crew", "身故/伤残"),
    ("group_accident", "per_person", "amount", D("100000.00"), None, "medical_expenses", "", ""),
    ("pilot_loss_of_licence", "per_person", "amount", D("1000000.00"), None, "", "pilot", ""),
]

# coverage, loss type, kind, amount, percentage, minimum
DEDUCTIBLES = [
    ("hull_all_risks", "hull_partial", "percentage", None, D("0.05"), D("100000.00")),
    ("hull_all_risks", "spare_parts", "amount", D("20000.00"), None, None),
    ("third_party_liability", "third_party_property", "amount", D("10000.00"), None, None),
    ("group_accident", "medical_expenses", "amount", D("100.00"), None, None),
]

# coverage, method, rate, amount, minimum, head premiums, note
RATING = [
    ("hull_all_risks", "agreed_value_rate", D("0.012"), None, D("300000.00"), {}, ""),
    (
        "third_party_liability", "sum_insured_rate", D("0.0015"), None, D("20000.00"), {},
        "sum insured = the per-occurrence limit",
    ),
    ("passenger_liability", "per_seat", None, D("2000.00"), D("10000.00"), {}, ""),
    (
        "group_accident", "per_head", None, None, D("10000.00"),
        {"pilot": D("9000.00"), "aircrew": D("6000.00"), "ground_crew": D("1200.00")}, "",
    ),
    ("pilot_loss_of_licence", "per_head", None, None, None, {"pilot": D("8000.00")}, ""),
]

# coverage, code, text, text_en
EXCLUSIONS = [
    (
        "aviation_comprehensive", "war_hijacking", "战争、敌对行为、军事行动、劫持、罢工、暴动。",
        "War, hostilities, military action, hijacking, strikes and riots.",
    ),
    (
        "aviation_comprehensive", "nuclear", "核辐射、核爆炸、核污染。",
        "Nuclear radiation, explosion or contamination.",
    ),
    (
        "hull_all_risks", "wear_and_tear", "自然磨损、锈蚀、机械或电气故障本身（由此造成的其他意外损失除外）。",
        "Wear and tear, corrosion, and mechanical or electrical breakdown itself (resulting"
        " accidental damage is covered).",
    ),
    (
        "hull_all_risks", "intentional", "被保险人的故意行为。", "Intentional acts of the insured.",
    ),
    (
        "third_party_liability", "own_staff_and_passengers",
        "被保险人的雇员、机组人员及机上乘客的人身伤亡（由其他险种承保）。",
        "Injury or death of the insured's employees, crew and passengers on board (covered"
        " elsewhere).",
    ),
    (
        "third_party_liability", "contractual", "被保险人以合同约定承担的责任（无合同也应承担的除外）。",
        "Liability assumed by contract, unless it would exist without the contract.",
    ),
    (
        "passenger_liability", "crew", "机组人员的人身伤亡（由团体意外伤害保险承保）。",
        "Injury or death of the crew (covered by the group accident cover).",
    ),
    (
        "group_accident", "self_harm", "被保险人故意自伤、自杀（无民事行为能力人除外）。",
        "Intentional self-injury or suicide (unless without legal capacity).",
    ),
    (
        "group_accident", "intoxication", "被保险人醉酒、吸食或注射毒品。",
        "Intoxication by alcohol or drugs.",
    ),
    (
        "group_accident", "illness", "疾病、分娩、流产（意外伤害所致的除外）。",
        "Illness, childbirth or miscarriage, unless caused by an accident.",
    ),
    (
        "pilot_loss_of_licence", "misconduct", "因违法违规、飞行违章被暂停或吊销执照。",
        "Licence suspended or revoked for breaking laws or flight rules.",
    ),
    (
        "pilot_loss_of_licence", "substances", "酗酒、滥用药物或吸毒导致的体检不合格。",
        "Unfitness caused by alcohol, drug or medicine abuse.",
    ),
    (
        "pilot_loss_of_licence", "pre_existing", "投保时已知且未告知的既往疾病。",
        "A pre-existing condition known and not disclosed when the cover was taken out.",
    ),
]

# code, coverage (None: the whole version), category, kind, title, title_en, text, text_en, params
CLAUSES = [
    (
        "passenger_definition", "passenger_liability", "additional", "passenger_definition",
        "乘客定义扩展条款", "Extended passenger definition",
        "本保险所称乘客，除持票乘客外，扩展包括经被保险人同意或因执行任务登机的公安民警、任务人员、"
        "被救助人员及被押解人员。",
        "Passengers include, besides ticketed passengers, police officers and task personnel on"
        " board with the insured's consent or on duty, persons rescued and persons escorted.",
        {"includes": ["police_officers", "task_personnel", "rescued_persons", "escorted_persons"]},
    ),
    (
        "added_equipment", "hull_all_risks", "additional", "added_equipment", "加装设备承保条款",
        "Added equipment",
        "航空器加装的警用设备（如吊舱、搜索灯、绞车等）按申报金额纳入机身险保障，每架航空器累计"
        "不超过人民币500万元；保险期间内新增设备应于30日内申报。",
        "Police equipment added to an aircraft (pods, searchlights, hoists…) is covered under the"
        " hull section for its declared sum, at most CNY 5,000,000 per aircraft; equipment added"
        " during the period is to be declared within 30 days.",
        {"limit_per_aircraft": "5000000.00", "notice_days": 30},
    ),
    (
        "repair_confidentiality", "hull_all_risks", "additional", "repair_confidentiality",
        "维修费用保密条款", "Repair-cost confidentiality",
        "保险人对航空器维修方案、维修费用及相关警务信息负有保密义务，仅向再保险人及公估人披露理赔所必需的信息。",
        "The insurer keeps the aircraft's repair scope, repair costs and related police"
        " information confidential, disclosing only what a claim needs to reinsurers and loss"
        " adjusters.",
        {"confidential": True, "disclosure_to": ["insurer", "reinsurer", "loss_adjuster"]},
    ),
    (
        "constructive_total_loss", "hull_all_risks", "special", "constructive_total_loss",
        "推定全损约定", "Constructive total loss",
        "航空器受损后，修复费用达到或超过协议价值的75%时，视为推定全损，按协议价值赔偿。",
        "When the cost of repair reaches 75% of the agreed value or more, the aircraft is a"
        " constructive total loss and is indemnified at the agreed value.",
        {"threshold": "0.75"},
    ),
    (
        "police_dog", "aviation_comprehensive", "special", "police_dog", "警犬搭乘遇难赔偿约定",
        "Police dog on board",
        "执行任务搭乘航空器的警犬因保险事故死亡的，每只赔偿人民币10万元，每次事故最多4只。",
        "A police dog on board on duty that dies in an insured accident is compensated with CNY"
        " 100,000, at most 4 dogs per occurrence.",
        {"amount_per_dog": "100000.00", "max_dogs_per_occurrence": 4},
    ),
    (
        "authorised_pilot", "aviation_comprehensive", "special", "authorised_pilot",
        "飞行员资质授权驾驶约定", "Authorised, qualified pilots only",
        "航空器须由持有有效执照、相应机型等级并经被保险人授权的飞行员驾驶，否则保险人不承担赔偿责任。",
        "The aircraft must be flown by pilots holding a valid licence and type rating and"
        " authorised by the insured; otherwise the insurer is not liable.",
        {"licence_required": True, "authorisation_required": True, "type_rating_required": True},
    ),
    (
        "flight_area", None, "special", "flight_area", "飞行范围约定（含公海）",
        "Flight area including the high seas",
        "保险责任的飞行范围为中华人民共和国境内及其领海，并扩展至公海上空。",
        "Cover applies to flights within the People's Republic of China and its territorial"
        " sea, extended to the airspace over the high seas.",
        {"territory": "中华人民共和国境内及其领海", "high_seas": True},
    ),
    (
        "police_duty", "group_accident", "special", "police_duty", "警务任务条款", "Police duty",
        "被保险人执行警务任务（包括训练）期间遭受暴力袭击等意外伤害的，属于保险责任。",
        "Accidental injury on police duty, including training and violent assault, is covered.",
        {"covers_violent_assault": True, "covers_training": True},
    ),
    (
        "non_social_medical", "group_accident", "additional", "non_social_medical",
        "非医保费用条款", "Expenses outside social medical insurance",
        "意外医疗费用中不属于社会医疗保险支付范围的合理必要费用，按100%比例赔付，每人累计不超过人民币5万元。",
        "Reasonable and necessary accidental medical expenses outside social medical insurance"
        " are reimbursed in full, up to CNY 50,000 per person.",
        {"reimbursement_share": "1.00", "per_person_limit": "50000.00"},
    ),
    (
        "loss_of_licence_terms", "pilot_loss_of_licence", "additional", "loss_of_licence",
        "飞行员执照丧失保险条款", "Loss of licence terms",
        "飞行员因意外伤害或疾病经民航体检鉴定不合格、连续180日不能恢复执照的，给付保险金。",
        "The sum is paid when a pilot is found unfit by the aviation medical through accident or"
        " illness and cannot regain the licence within 180 consecutive days.",
        {"qualifying_period_days": 180, "covers_illness": True},
    ),
]


def seed(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    ProductVersion = apps.get_model("catalog", "ProductVersion")
    Coverage = apps.get_model("catalog", "Coverage")
    CoverageLimit = apps.get_model("catalog", "CoverageLimit")
    Deductible = apps.get_model("catalog", "Deductible")
    RatingRule = apps.get_model("catalog", "RatingRule")
    HeadPremium = apps.get_model("catalog", "HeadPremium")
    Exclusion = apps.get_model("catalog", "Exclusion")
    Clause = apps.get_model("catalog", "Clause")
    MaterialChecklist = apps.get_model("catalog", "MaterialChecklist")
    MaterialItem = apps.get_model("catalog", "MaterialItem")

    product = Product.objects.create(
        code=PRODUCT,
        name="航空保险综合方案",
        name_en="Aviation insurance programme",
        description="警用直升机机队的航空器综合险、团体意外伤害保险及飞行员执照丧失保险。",
        description_en="Aviation comprehensive, group personal accident and pilot loss of licence"
        " cover for a police helicopter fleet.",
    )
    version = ProductVersion.objects.create(
        product=product,
        number=1,
        status="published",
        effective_from=EFFECTIVE_FROM,
        published_at=timezone.now(),
        notes="Shipped with Coverdesk (seed 003). Figures other than the agreed value are"
        " documented defaults: see docs/catalog.md.",
        refund_method="pro_rata",
        short_rate_table=SHORT_RATE,
        cancellation_fee=D("0.00"),
    )
    coverages = {}
    positions = {}
    for code, parent, name, name_en, kind, insured, description, description_en in COVERAGES:
        positions[parent] = positions.get(parent, 0) + 1
        coverages[code] = Coverage.objects.create(
            version=version,
            parent=coverages[parent] if parent else None,
            code=code,
            name=name,
            name_en=name_en,
            description=description,
            description_en=description_en,
            kind=kind,
            insured_object=insured,
            position=positions[parent],
        )
    for code, kind, basis, amount, share, loss_type, category, note in LIMITS:
        CoverageLimit.objects.create(
            coverage=coverages[code],
            kind=kind,
            basis=basis,
            amount=amount,
            share=share,
            loss_type=loss_type,
            person_category=category,
            note=note,
        )
    for code, loss_type, kind, amount, percentage, minimum in DEDUCTIBLES:
        Deductible.objects.create(
            coverage=coverages[code],
            loss_type=loss_type,
            kind=kind,
            amount=amount,
            percentage=percentage,
            minimum_amount=minimum,
        )
    for code, method, rate, amount, minimum, heads, note in RATING:
        rule = RatingRule.objects.create(
            coverage=coverages[code],
            method=method,
            rate=rate,
            amount=amount,
            minimum_premium=minimum,
            note=note,
        )
        for category, premium in heads.items():
            HeadPremium.objects.create(rule=rule, person_category=category, premium=premium)
    exclusion_positions = {}
    for code, exclusion_code, text, text_en in EXCLUSIONS:
        exclusion_positions[code] = exclusion_positions.get(code, 0) + 1
        Exclusion.objects.create(
            coverage=coverages[code],
            code=exclusion_code,
            text=text,
            text_en=text_en,
            position=exclusion_positions[code],
        )
    for position, row in enumerate(CLAUSES, start=1):
        code, coverage, category, kind, title, title_en, text, text_en, parameters = row
        Clause.objects.create(
            version=version,
            coverage=coverages[coverage] if coverage else None,
            code=code,
            category=category,
            kind=kind,
            title=title,
            title_en=title_en,
            text=text,
            text_en=text_en,
            parameters=parameters,
            position=position,
        )
    for code, lists in CHECKLISTS.items():
        for loss_type, items in lists.items():
            checklist = MaterialChecklist.objects.create(coverage=coverages[code], loss_type=loss_type)
            for position, (item_code, name, name_en, required, green) in enumerate(items, start=1):
                MaterialItem.objects.create(
                    checklist=checklist,
                    code=item_code,
                    name=name,
                    name_en=name_en,
                    required=required,
                    green_channel=green,
                    position=position,
                )


def unseed(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    ProductVersion = apps.get_model("catalog", "ProductVersion")
    # Versions first (they protect the product); their coverages and terms go with them. A
    # version a policy was written on is protected by the policy and stops the reversal.
    ProductVersion.objects.filter(product__code=PRODUCT).delete()
    Product.objects.filter(code=PRODUCT).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_products_coverages_clauses")]

    operations = [migrations.RunPython(seed, unseed)]
