use std::fmt::Write as _;

use super::*;

/// Each role with the scope it typically has, and three targets: inside its own scope, a
/// sibling (the same kind of place next door), and the parent (the level above).
struct Case {
    grant: Grant,
    own: Target<'static>,
    sibling: Target<'static>,
    parent: Target<'static>,
}

fn unit(path: &str) -> Scope {
    Scope::Unit {
        path: path.to_owned(),
    }
}

fn case(role: Role) -> Case {
    // Thanh Hóa (38) › commune 16591 › village 16591007; commune 16594 next door; Nghệ An (40).
    match role {
        Role::ProvinceAdmin | Role::Auditor => Case {
            grant: Grant::new(role, unit("38/")),
            own: Target::Unit("38/16591/16591007/"),
            sibling: Target::Unit("40/"),
            parent: Target::Platform,
        },
        Role::CommuneAdmin => Case {
            grant: Grant::new(role, unit("38/16591/")),
            own: Target::Unit("38/16591/16591007/"),
            sibling: Target::Unit("38/16594/"),
            parent: Target::Unit("38/"),
        },
        Role::VillageFacilitator => Case {
            grant: Grant::new(role, unit("38/16591/16591007/")),
            own: Target::Unit("38/16591/16591007/"),
            sibling: Target::Unit("38/16591/16591008/"),
            parent: Target::Unit("38/16591/"),
        },
        Role::OrgAdmin => Case {
            grant: Grant::new(role, Scope::Organisation { id: 7 }),
            own: Target::Organisation {
                id: 7,
                unit_path: "38/16591/",
            },
            sibling: Target::Organisation {
                id: 8,
                unit_path: "38/16591/",
            },
            parent: Target::Unit("38/16591/"),
        },
        Role::ContentAuthor => Case {
            grant: Grant::new(role, Scope::Everywhere),
            own: Target::Platform,
            sibling: Target::Unit("40/"),
            parent: Target::Organisation {
                id: 7,
                unit_path: "38/16591/",
            },
        },
    }
}

fn render() -> String {
    let mut out =
        String::from("permission \\ role   Province Commune Village Org  Content Auditor\n");
    let widths = [9, 8, 8, 5, 8, 7];
    for permission in Permission::ALL {
        let mut line = format!("{:<20}", format!("{permission:?}"));
        for (role, width) in Role::ALL.into_iter().zip(widths) {
            let c = case(role);
            let grants = [c.grant];
            let cell: String = [c.own, c.sibling, c.parent]
                .iter()
                .map(|t| {
                    if allows(&grants, permission, t) {
                        'Y'
                    } else {
                        '-'
                    }
                })
                .collect();
            let _ = write!(line, "{cell:<width$}");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The specification. Each cell reads own / sibling / parent (`Y` allowed, `-` refused):
/// nobody reaches a sibling or the level above; within their own scope each role holds exactly
/// the permissions of the table in the module documentation. The content author's “own” is
/// the platform (national content), its “sibling” a province and its “parent” an organisation:
/// with an `Everywhere` scope it reaches all three, but holds only `EditContent`.
#[test]
fn role_permission_matrix() {
    let expected = "\
permission \\ role   Province Commune Village Org  Content Auditor
ViewUnit            Y--      Y--     Y--     ---  ---     Y--
EditUnits           Y--      Y--     ---     ---  ---     ---
ImportVillages      Y--      Y--     ---     ---  ---     ---
ViewPeople          Y--      Y--     Y--     Y--  ---     Y--
ViewPersonIdentity  ---      Y--     ---     ---  ---     ---
EditPeople          Y--      Y--     Y--     Y--  ---     ---
ImportPeople        Y--      Y--     ---     Y--  ---     ---
ManageStaff         Y--      Y--     ---     Y--  ---     ---
EditContent         ---      ---     ---     ---  YYY     ---
ViewAudit           Y--      Y--     ---     ---  ---     Y--
ViewDashboard       Y--      Y--     Y--     Y--  ---     Y--
ManageEvents        Y--      Y--     Y--     Y--  ---     ---
CheckIn             Y--      Y--     Y--     Y--  ---     ---
IssueCertificate    Y--      Y--     ---     Y--  ---     ---
RevokeCertificate   Y--      ---     ---     ---  ---     ---
SetTargets          Y--      ---     ---     ---  ---     ---
";
    assert_eq!(render(), expected, "\n{}", render());
}

#[test]
fn the_auditor_only_reads() {
    for p in Permission::ALL {
        if Role::Auditor.holds(p) {
            assert!(
                matches!(
                    p,
                    Permission::ViewUnit
                        | Permission::ViewPeople
                        | Permission::ViewAudit
                        | Permission::ViewDashboard
                ),
                "{p:?}"
            );
        }
    }
}

#[test]
fn paths_match_whole_segments() {
    let g = [Grant::new(Role::CommuneAdmin, unit("38/16591/"))];
    assert!(allows(&g, Permission::ViewUnit, &Target::Unit("38/16591/")));
    assert!(allows(
        &g,
        Permission::ViewUnit,
        &Target::Unit("38/16591/16591007/")
    ));
    assert!(!allows(
        &g,
        Permission::ViewUnit,
        &Target::Unit("38/165910/")
    ));
    assert!(!allows(&g, Permission::ViewUnit, &Target::Unit("38/1659/")));
    // A scope written without its trailing slash means the same unit.
    let g = [Grant::new(Role::ProvinceAdmin, unit("38"))];
    assert!(allows(&g, Permission::ViewUnit, &Target::Unit("38/16591/")));
    assert!(!allows(&g, Permission::ViewUnit, &Target::Unit("380/")));
    // An empty path covers nothing.
    let g = [Grant::new(Role::ProvinceAdmin, unit(""))];
    assert!(!allows(&g, Permission::ViewUnit, &Target::Unit("38/")));
    assert!(!allows(&g, Permission::ViewUnit, &Target::Platform));
    assert!(!allows(&[], Permission::ViewUnit, &Target::Unit("38/")));
}

#[test]
fn organisations_are_covered_by_the_unit_they_sit_in() {
    let org = Target::Organisation {
        id: 7,
        unit_path: "38/16591/",
    };
    let commune = [Grant::new(Role::CommuneAdmin, unit("38/16591/"))];
    let other = [Grant::new(Role::CommuneAdmin, unit("38/16594/"))];
    assert!(allows(&commune, Permission::ViewPeople, &org));
    assert!(!allows(&other, Permission::ViewPeople, &org));
}

#[test]
fn several_grants_combine() {
    // A commune admin who also authors content for the province.
    let grants = [
        Grant::new(Role::CommuneAdmin, unit("38/16591/")),
        Grant::new(Role::ContentAuthor, unit("38/")),
    ];
    assert!(allows(
        &grants,
        Permission::EditContent,
        &Target::Unit("38/")
    ));
    assert!(!allows(&grants, Permission::EditContent, &Target::Platform));
    assert!(allows(
        &grants,
        Permission::ViewPersonIdentity,
        &Target::Unit("38/16591/1/")
    ));
    assert!(!allows(
        &grants,
        Permission::ViewPersonIdentity,
        &Target::Unit("38/16594/")
    ));
}

#[test]
fn granting_follows_the_ladder() {
    let operator = [Grant::new(Role::ProvinceAdmin, Scope::Everywhere)];
    let province = [Grant::new(Role::ProvinceAdmin, unit("38/"))];
    let commune = [Grant::new(Role::CommuneAdmin, unit("38/16591/"))];
    let org = [Grant::new(Role::OrgAdmin, Scope::Organisation { id: 7 })];
    let facilitator = [Grant::new(
        Role::VillageFacilitator,
        unit("38/16591/16591007/"),
    )];

    let in_village = Grant::new(Role::VillageFacilitator, unit("38/16591/16591007/"));
    let village = Target::Unit("38/16591/16591007/");
    assert!(may_grant(&province, &in_village, &village));
    assert!(may_grant(&commune, &in_village, &village));
    assert!(!may_grant(&facilitator, &in_village, &village));
    // Not next door.
    let next_door = Grant::new(Role::VillageFacilitator, unit("38/16594/1/"));
    assert!(!may_grant(
        &commune,
        &next_door,
        &Target::Unit("38/16594/1/")
    ));
    // Not upwards, not sideways.
    let commune_admin = Grant::new(Role::CommuneAdmin, unit("38/16591/"));
    assert!(may_grant(
        &province,
        &commune_admin,
        &Target::Unit("38/16591/")
    ));
    assert!(!may_grant(
        &commune,
        &commune_admin,
        &Target::Unit("38/16591/")
    ));
    let province_admin = Grant::new(Role::ProvinceAdmin, unit("38/"));
    assert!(!may_grant(&province, &province_admin, &Target::Unit("38/")));
    assert!(may_grant(&operator, &province_admin, &Target::Unit("38/")));
    let author = Grant::new(Role::ContentAuthor, Scope::Everywhere);
    assert!(!may_grant(&province, &author, &Target::Platform));
    assert!(may_grant(&operator, &author, &Target::Platform));
    // Organisation admins appoint admins of their own organisation only.
    let org7 = Target::Organisation {
        id: 7,
        unit_path: "38/16591/",
    };
    let org_admin = Grant::new(Role::OrgAdmin, Scope::Organisation { id: 7 });
    assert!(may_grant(&org, &org_admin, &org7));
    assert!(may_grant(&commune, &org_admin, &org7));
    let other_org_admin = Grant::new(Role::OrgAdmin, Scope::Organisation { id: 8 });
    let org8 = Target::Organisation {
        id: 8,
        unit_path: "38/16591/",
    };
    assert!(!may_grant(&org, &other_org_admin, &org8));
    // The target must describe the new grant's scope.
    assert!(!may_grant(
        &commune,
        &in_village,
        &Target::Unit("38/16591/")
    ));
    assert!(!may_grant(&province, &org_admin, &Target::Unit("38/")));
    // Ill-formed grants are refused.
    let bad = Grant::new(Role::OrgAdmin, unit("38/16591/"));
    assert!(!may_grant(&operator, &bad, &Target::Unit("38/16591/")));
}

#[test]
fn well_formed_grants() {
    assert!(Grant::new(Role::VillageFacilitator, unit("38/1/2/")).is_well_formed());
    assert!(!Grant::new(Role::VillageFacilitator, Scope::Everywhere).is_well_formed());
    assert!(!Grant::new(Role::CommuneAdmin, Scope::Organisation { id: 1 }).is_well_formed());
    assert!(Grant::new(Role::Auditor, Scope::Everywhere).is_well_formed());
    assert!(!Grant::new(Role::Auditor, unit("/")).is_well_formed());
}

#[test]
fn grants_serialise_for_storage() {
    let g = Grant::new(Role::CommuneAdmin, unit("38/16591/"));
    let json = serde_json::to_string(&g).unwrap();
    assert_eq!(
        json,
        r#"{"role":"commune_admin","scope":{"kind":"unit","path":"38/16591/"}}"#
    );
    assert_eq!(serde_json::from_str::<Grant>(&json).unwrap(), g);
    let e = serde_json::to_string(&Scope::Everywhere).unwrap();
    assert_eq!(e, r#"{"kind":"everywhere"}"#);
}
